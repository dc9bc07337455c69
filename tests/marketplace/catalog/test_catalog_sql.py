"""The catalog's hand-written SQL (marketplace/selectors/catalog_sql.py): every filter
combined, the exclusion rules under filters, cursors across filtered pages, and values
that must stay parameters."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from marketplace.models import Lead, OrganizationKind, Segment
from tests.factories import OrganizationFactory, SaleFactory
from tests.marketplace.catalog.conftest import CATALOG_URL, browse, hours_ago, ids

pytestmark = pytest.mark.postgres

EVERY_FILTER = {
    "segment": "loans",
    "country": "PL",
    "region": "PL-MZ",
    "temperature": "hot",
    "billing_model": "cpa",
    "max_price": "50.00",
    "min_rating": "70",
    "max_age_hours": "48",
    "attr.amount_min": "10000",
    "attr.amount_max": "30000",
    "attr.purpose": "car",
}


@pytest.fixture
def rated(db):
    return OrganizationFactory(kind=OrganizationKind.SUPPLIER, name="Rated", rating_score=80)


def _matching(make_lead, rated, **overrides):
    fields = {
        "supplier": rated,
        "country": "PL",
        "region": "PL-MZ",
        "temperature": "hot",
        "cpa_price_cents": 4000,
        "created_at": hours_ago(2),
        "attributes": {"amount": 20000, "term_months": 24, "purpose": "car"},
    }
    return make_lead(**{**fields, **overrides})


def test_every_filter_at_once_keeps_only_the_lead_that_passes_each(
    buyer_a, make_lead, rated, travel
):
    match = _matching(make_lead, rated)
    unrated = OrganizationFactory(kind=OrganizationKind.SUPPLIER, rating_score=60)
    # Each decoy fails exactly one filter.
    decoys = [
        _matching(make_lead, rated, segment=travel, attributes={"destination": "Crete"}),
        _matching(make_lead, rated, country="RO", region="PL-MZ", phone="+40721000111"),
        _matching(make_lead, rated, region="PL-MA"),
        _matching(make_lead, rated, temperature="warm"),
        _matching(make_lead, rated, cpa_price_cents=None),
        _matching(make_lead, rated, cpa_price_cents=5001),
        _matching(make_lead, unrated),
        _matching(make_lead, rated, created_at=hours_ago(49)),
        _matching(make_lead, rated, attributes={"amount": 9999, "purpose": "car"}),
        _matching(make_lead, rated, attributes={"amount": 30001, "purpose": "car"}),
        _matching(make_lead, rated, attributes={"amount": 20000, "purpose": "home"}),
    ]

    body = browse(buyer_a, **EVERY_FILTER)

    assert ids(body) == [str(match.pk)]
    assert body["count"] == 1
    assert body["count_exact"] is True
    # Without the filters every decoy is listed: each was excluded by its one filter.
    assert set(ids(browse(buyer_a, limit="200"))) >= {str(lead.pk) for lead in decoys}


def test_the_exclusion_rules_hold_under_every_filter(
    buyer_a, buyer_b, make_lead, rated, supplier_b
):
    bought = _matching(make_lead, rated, phone="+48601000001", email="one@example.pl")
    SaleFactory(lead=bought, buyer=buyer_a.organization)
    same_phone = _matching(make_lead, rated, phone="+48601000001", email="two@example.pl")
    same_email = _matching(make_lead, rated, phone="+48601000002", email="one@example.pl")
    sold_out = _matching(make_lead, rated, max_sales=2, sales_count=2)
    suspended = OrganizationFactory(
        kind=OrganizationKind.SUPPLIER, rating_score=90, suspended_at=timezone.now()
    )
    from_suspended = _matching(make_lead, suspended, phone="+48601000003")
    not_available = _matching(make_lead, rated, phone="+48601000004", status="rejected")
    listed = _matching(make_lead, rated, phone="+48601000005", email="five@example.pl")

    body = browse(buyer_a, **EVERY_FILTER)
    other = browse(buyer_b, **EVERY_FILTER)

    assert ids(body) == [str(listed.pk)]
    assert body["count"] == 1
    # Another buyer bought none of them: only the rules that are not per buyer hide leads.
    hidden_for_all = {str(sold_out.pk), str(from_suspended.pk), str(not_available.pk)}
    assert set(ids(other)) == {str(lead.pk) for lead in (bought, same_phone, same_email, listed)}
    assert not hidden_for_all & set(ids(other))
    assert other["count"] == 4


def test_cursor_pages_of_a_filtered_list_cover_it_once_in_order(buyer_a, make_lead, rated):
    instant = timezone.now() - timedelta(hours=3)
    expected = []
    for n in range(9):
        # Three leads share each instant: the id breaks the tie across pages.
        when = instant - timedelta(minutes=n // 3)
        expected.append(_matching(make_lead, rated, created_at=when, phone=f"+4860100010{n}").pk)
        _matching(make_lead, rated, created_at=when, temperature="cold", phone=f"+4860100020{n}")
    expected.sort(key=lambda pk: (Lead.objects.get(pk=pk).created_at, pk), reverse=True)

    seen, pages = [], 0
    params = {**EVERY_FILTER, "limit": "2"}
    response = buyer_a.api().get(CATALOG_URL, params)
    while True:
        body = response.json()
        assert response.status_code == 200, body
        assert body["count"] == 9
        seen += ids(body)
        pages += 1
        if body["next"] is None:
            break
        assert parse_qs(urlsplit(body["next"]).query)["temperature"] == ["hot"]
        response = buyer_a.api().get(body["next"])

    assert pages == 5
    assert seen == [str(pk) for pk in expected]


def test_a_range_filter_skips_attributes_that_are_not_numbers(buyer_a, make_lead):
    number = make_lead(attributes={"amount": 20000})
    make_lead(attributes={"amount": "20000"})
    make_lead(attributes={"amount": None})
    make_lead(attributes={"amount": [20000]})
    make_lead(attributes={"amount": {"value": 20000}})
    make_lead(attributes={})
    fractional = make_lead(attributes={"amount": 10000.5})  # stored before a schema change
    make_lead(attributes={"amount": 9999.5})

    body = browse(buyer_a, segment="loans", **{"attr.amount_min": "10000"})

    assert set(ids(body)) == {str(number.pk), str(fractional.pk)}
    assert body["count"] == 2


def test_an_attribute_whose_name_has_quotes_is_only_ever_a_parameter(buyer_a, make_lead, loans):
    name = 'it\'s "x") OR true --'
    Segment.objects.filter(pk=loans.pk).update(
        fields={
            **loans.fields,
            "properties": {**loans.fields["properties"], name: {"type": "integer"}},
        }
    )
    high = make_lead(attributes={"amount": 1000, name: 7})
    make_lead(attributes={"amount": 1000, name: 3})
    make_lead(attributes={"amount": 1000})

    assert ids(browse(buyer_a, segment="loans", **{f"attr.{name}_min": "5"})) == [str(high.pk)]
    assert ids(browse(buyer_a, segment="loans", **{f"attr.{name}": "7"})) == [str(high.pk)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"segment": "loans", "attr.amount_min": "1 OR 1=1"}, "attr.amount_min"),
        ({"segment": "loans", "attr.amount_min": "1e400"}, "attr.amount_min"),
        ({"segment": "loans", "attr.amount_max": "Infinity"}, "attr.amount_max"),
        ({"segment": "loans", "attr.amount_max": "9" * 40}, "attr.amount_max"),
        ({"segment": "loans", "attr.purpose": "car' OR '1'='1"}, "attr.purpose"),
        ({"segment": "loans", "attr.amount') OR true --": "1"}, "attr.amount') OR true --"),
        ({"segment": "loans", "attr.purpose_min": "1"}, "attr.purpose_min"),
        ({"attr.amount_min": "1"}, "segment"),
        ({"segment": "loans", "attr.amount_min": "\uff11\uff12"}, "attr.amount_min"),
    ],
)
def test_hostile_attribute_filters_answer_422_in_the_error_envelope(
    buyer_a, make_lead, params, field
):
    make_lead()
    response = buyer_a.api().get(CATALOG_URL, params)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error


@pytest.mark.parametrize(
    "cursor",
    [
        # A valid-looking position whose id is not a UUID, or whose time is out of range.
        "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHwnOyBEUk9QIFRBQkxFIHg7LS0",
        "OTk5OTktMDEtMDFUMDA6MDA6MDArMDA6MDB8MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw",
        "%00",
    ],
)
def test_hostile_cursors_with_filters_answer_422(buyer_a, make_lead, cursor):
    make_lead()
    response = buyer_a.api().get(CATALOG_URL, {**EVERY_FILTER, "cursor": cursor})
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_failed"
