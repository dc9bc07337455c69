"""GET /api/v1/leads/: a supplier's own leads, newest first, cursor-paginated."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from marketplace.models import Lead, LeadStatus
from tests.factories import lead_payload
from tests.suppliers.helpers import LEADS_URL, assert_envelope, post_lead

pytestmark = pytest.mark.django_db


def _send(actor, count: int, *, prefix: str = "l", segment: str = "loans") -> list[str]:
    ids = []
    for i in range(count):
        overrides: dict = {
            "external_id": f"{prefix}{i}",
            "phone": None,
            "email": f"{prefix}{i}@example.pl",
            "segment": segment,
        }
        if segment == "courses":
            overrides["attributes"] = {"subject": "English"}
        response = post_lead(actor, lead_payload(**overrides))
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def _walk(api, url: str) -> tuple[list[str], int]:
    seen: list[str] = []
    pages = 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(lead["id"] for lead in body["results"])
        url = body["next"]
        pages += 1
        assert pages < 100
    return seen, pages


def test_next_links_walk_every_lead_once_newest_first(supplier_a):
    ids = _send(supplier_a, 23)

    seen, pages = _walk(supplier_a.api(), LEADS_URL + "?limit=5")

    assert seen == list(reversed(ids))
    assert pages == 5


def test_limit_is_capped_at_200(supplier_a):
    _send(supplier_a, 3)

    response = supplier_a.api().get(LEADS_URL + "?limit=1000")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    next_page = supplier_a.api().get(LEADS_URL + "?limit=2").json()["next"]
    assert parse_qs(urlparse(next_page).query)["limit"] == ["2"]


def test_more_than_200_leads_come_in_pages_of_at_most_200(supplier_a):
    for i in range(205):
        Lead.objects.create(
            supplier=supplier_a.organization,
            segment_id=Lead._meta.get_field("segment").related_model.objects.get(slug="loans").pk,
            external_id=f"bulk{i}",
            status=LeadStatus.AVAILABLE,
            first_name="X",
            email=f"bulk{i}@example.pl",
            country="PL",
            price_cents=100,
        )

    first = supplier_a.api().get(LEADS_URL + "?limit=500").json()
    seen, _ = _walk(supplier_a.api(), LEADS_URL + "?limit=500")

    assert len(first["results"]) == 200
    assert first["next"]
    assert len(seen) == len(set(seen)) == 205


@pytest.mark.parametrize("limit", ["abc", "1.5", ""])
def test_bad_limit_is_refused_or_defaulted(supplier_a, limit):
    _send(supplier_a, 1)

    response = supplier_a.api().get(LEADS_URL + f"?limit={limit}")

    if limit:
        assert_envelope(response, status=422, code="validation_failed")
    else:
        assert response.status_code == 200


def test_filters_by_status_and_segment(supplier_a):
    loans = _send(supplier_a, 2, prefix="loan")
    courses = _send(supplier_a, 2, prefix="course", segment="courses")
    rejected = lead_payload(external_id="rej", phone=None, email="rej@example.pl")
    del rejected["consent"]
    rejected_id = post_lead(supplier_a, rejected).json()["error"]["id"]
    api = supplier_a.api()

    by_segment = [r["id"] for r in api.get(LEADS_URL + "?segment=courses").json()["results"]]
    by_status = [r["id"] for r in api.get(LEADS_URL + "?status=rejected").json()["results"]]
    available = [r["id"] for r in api.get(LEADS_URL + "?status=available").json()["results"]]
    both = api.get(LEADS_URL + "?status=available&segment=loans").json()["results"]

    assert by_segment == list(reversed(courses))
    assert by_status == [rejected_id]
    assert set(available) == set(loans) | set(courses)
    assert [r["id"] for r in both] == list(reversed(loans))
    assert api.get(LEADS_URL + "?segment=nothing").json()["results"] == []


def test_unknown_status_is_refused(supplier_a):
    response = supplier_a.api().get(LEADS_URL + "?status=lost")

    error = assert_envelope(response, status=422, code="validation_failed")
    assert "status" in error["fields"]


def test_other_suppliers_leads_are_never_visible(supplier_a, supplier_b):
    mine = _send(supplier_a, 3, prefix="a")
    theirs = _send(supplier_b, 3, prefix="b")

    seen_a, _ = _walk(supplier_a.api(), LEADS_URL + "?limit=2")
    seen_b, _ = _walk(supplier_b.api(), LEADS_URL)

    assert set(seen_a) == set(mine)
    assert set(seen_b) == set(theirs)


def test_listing_shows_every_field_as_stored(supplier_a):
    _send(supplier_a, 1)

    lead = supplier_a.api().get(LEADS_URL).json()["results"][0]

    assert lead["email"] == "l0@example.pl"
    assert lead["first_name"] == "Anna"
    assert lead["consent"]["ip"] == "203.0.113.5"
    assert lead["price"] == "12.50"
    assert lead["sales_count"] == 0
    assert lead["sales_remaining"] == 1
    assert lead["rejection_reasons"] == []


def test_listing_does_not_query_per_lead(supplier_a, django_assert_max_num_queries):
    _send(supplier_a, 10)
    api = supplier_a.api()

    with django_assert_max_num_queries(8):
        response = api.get(LEADS_URL)

    assert len(response.json()["results"]) == 10
