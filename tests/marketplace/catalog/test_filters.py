"""Each filter of GET /api/v1/marketplace/leads/ keeps exactly the matching leads."""

from __future__ import annotations

import pytest

from tests.factories import OrganizationFactory
from tests.marketplace.catalog.conftest import browse, hours_ago, ids

pytestmark = pytest.mark.postgres


def test_lists_available_leads_newest_first_with_the_documented_fields(
    buyer_a, make_lead, supplier
):
    older = make_lead(created_at=hours_ago(5))
    newer = make_lead(created_at=hours_ago(1), max_sales=3, sales_count=1)

    body = browse(buyer_a)

    assert ids(body) == [str(newer.pk), str(older.pk)]
    assert body["count"] == 2
    assert body["count_exact"] is True
    assert body["next"] is None
    item = body["results"][0]
    assert item["segment"] == "loans"
    assert item["price"] == "12.50"
    assert item["cpa_price"] == "60.00"
    assert item["currency"] == "USD"
    assert item["sales_remaining"] == 2
    assert item["sold"] == {"count": 1, "of": 3}
    assert item["max_sales"] == 3
    assert item["supplier"] == {"id": str(supplier.pk), "name": "Acme Leads", "rating": None}
    assert item["attributes"] == {"amount": 20000, "term_months": 24, "purpose": "car"}
    assert set(item["preview"]) == {"first_name", "phone", "email"}


def test_segment_filter(buyer_a, make_lead, travel):
    loan = make_lead()
    make_lead(segment=travel, attributes={"destination": "Crete"})
    assert ids(browse(buyer_a, segment="loans")) == [str(loan.pk)]


def test_country_and_region_filters(buyer_a, make_lead):
    warsaw = make_lead(country="PL", region="PL-MZ")
    krakow = make_lead(country="PL", region="PL-MA")
    bucharest = make_lead(country="RO", region="RO-B", phone="+40721000111")
    assert set(ids(browse(buyer_a, country="pl"))) == {str(warsaw.pk), str(krakow.pk)}
    assert ids(browse(buyer_a, region="PL-MA")) == [str(krakow.pk)]
    assert ids(browse(buyer_a, country="RO")) == [str(bucharest.pk)]


def test_temperature_filter(buyer_a, make_lead):
    make_lead(temperature="cold")
    hot = make_lead(temperature="hot")
    assert ids(browse(buyer_a, temperature="hot")) == [str(hot.pk)]


def test_max_price_filter_is_inclusive(buyer_a, make_lead):
    cheap = make_lead(price_cents=1000)
    exact = make_lead(price_cents=1500)
    make_lead(price_cents=1501)
    assert set(ids(browse(buyer_a, max_price="15.00"))) == {str(cheap.pk), str(exact.pk)}


def test_cpa_billing_model_keeps_leads_offering_cpa_and_prices_on_the_cpa_price(buyer_a, make_lead):
    cpl_only = make_lead(cpa_price_cents=None)
    cheap_cpa = make_lead(cpa_price_cents=3000)
    make_lead(cpa_price_cents=9000)
    assert str(cpl_only.pk) not in ids(browse(buyer_a, billing_model="cpa"))
    assert ids(browse(buyer_a, billing_model="cpa", max_price="50.00")) == [str(cheap_cpa.pk)]
    assert len(ids(browse(buyer_a, billing_model="cpl"))) == 3


def test_min_rating_filter_leaves_out_unrated_and_lower_rated_suppliers(buyer_a, make_lead):
    good = make_lead()
    good.supplier.rating_score, good.supplier.rating_tier = 85, "A"
    good.supplier.save()
    weak_supplier = OrganizationFactory(kind="supplier", rating_score=40, rating_tier="C")
    make_lead(supplier=weak_supplier)
    unrated = OrganizationFactory(kind="supplier")
    make_lead(supplier=unrated)

    body = browse(buyer_a, min_rating="80")
    assert ids(body) == [str(good.pk)]
    assert body["results"][0]["supplier"]["rating"] == {"score": 85, "tier": "A"}
    assert len(ids(browse(buyer_a, min_rating="0"))) == 2  # unrated ones have no score


def test_max_age_hours_filter(buyer_a, make_lead):
    fresh = make_lead(created_at=hours_ago(2))
    make_lead(created_at=hours_ago(30))
    assert ids(browse(buyer_a, max_age_hours="24")) == [str(fresh.pk)]


def test_attribute_range_and_equality_filters(buyer_a, make_lead):
    small = make_lead(attributes={"amount": 5000, "purpose": "car"})
    middle = make_lead(attributes={"amount": 20000, "purpose": "car"})
    home = make_lead(attributes={"amount": 30000, "purpose": "home"})
    make_lead(attributes={"amount": 90000, "purpose": "car"})

    ranged = browse(
        buyer_a, **{"segment": "loans", "attr.amount_min": "10000", "attr.amount_max": "50000"}
    )
    assert set(ids(ranged)) == {str(middle.pk), str(home.pk)}
    both = browse(
        buyer_a, **{"segment": "loans", "attr.amount_max": "50000", "attr.purpose": "car"}
    )
    assert set(ids(both)) == {str(small.pk), str(middle.pk)}


def test_attribute_filter_skips_leads_whose_value_has_another_type(buyer_a, make_lead):
    # A lead stored before a schema change: its amount is text. It is simply not a match.
    make_lead(attributes={"amount": "lots"})
    number = make_lead(attributes={"amount": 20000})
    body = browse(buyer_a, **{"segment": "loans", "attr.amount_min": "100"})
    assert ids(body) == [str(number.pk)]


def test_empty_filters_are_ignored(buyer_a, make_lead):
    lead = make_lead()
    body = browse(
        buyer_a, segment="", country="", max_price="", min_rating="", **{"attr.amount_min": ""}
    )
    assert ids(body) == [str(lead.pk)]
