"""The API writes its page as JSON text around the stored JSON (``catalog_json_page``,
``catalog_items_json``): the same answer as ``catalog_item`` on the rows of
``catalog_page``, whatever the rows hold."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.catalog_items import catalog_items, catalog_items_json
from marketplace.catalog_params import catalog_filters_parse
from marketplace.models import Lead
from marketplace.selectors.catalog import (
    catalog_json_page,
    catalog_page,
    catalog_query,
)
from tests.marketplace.catalog.conftest import browse

pytestmark = pytest.mark.postgres


@pytest.fixture
def odd_leads(make_lead, supplier, supplier_b, loans):
    """Rows that stress each part of an item: discounts, missing CPA, no capture time,
    a rating without a tier, unicode and line separators in text and JSON, previews
    stored partly, empty, as null values or not as an object."""
    loans.age_discounts = [{"after_hours": 24, "percent": 10}, {"after_hours": 72, "percent": 35}]
    loans.save(update_fields=["age_discounts"])
    supplier.rating_score, supplier.rating_tier = 71, ""
    supplier.name = 'Ąćme "Leads"\u2028 <b>'
    supplier.save()
    supplier_b.organization.rating_score, supplier_b.organization.rating_tier = 90, "A"
    supplier_b.organization.save()
    now = timezone.now()
    leads = [
        make_lead(created_at=now - timedelta(hours=2), cpa_price_cents=None),
        make_lead(created_at=now - timedelta(hours=30), price_cents=1999, cpa_price_cents=7777),
        make_lead(
            created_at=now - timedelta(hours=80),
            price_cents=5,
            supplier=supplier_b.organization,
            city='Łódź \u2029 "x" \\ \t',
            source="call",
            attributes={"amount": 15000.5, "purpose": "dom \u2028 ż", "tags": [1, None, "a"]},
            qualification={},
        ),
        make_lead(created_at=now - timedelta(hours=5), captured_at=None, attributes={}),
        make_lead(created_at=now - timedelta(hours=6), captured_at=now - timedelta(days=1)),
    ]
    stored = [
        {"first_name": "A."},
        {},
        {"first_name": None, "phone": None, "email": "x***@example.pl", "extra": "never shown"},
        ["not", "an", "object"],
        "a string",
    ]
    for lead, preview in zip(leads, stored, strict=True):
        Lead.objects.filter(pk=lead.pk).update(preview=preview)
    return leads


def test_the_written_page_is_catalog_item_of_every_row(buyer_a, odd_leads):
    now = timezone.now()
    discounts = set()
    for params in ({}, {"segment": "loans"}, {"temperature": "hot", "max_price": "12.00"}):
        query = catalog_query(
            buyer=buyer_a.organization, filters=catalog_filters_parse(params), now=now
        )
        expected = catalog_items(catalog_page(query=query, limit=50).leads, now=now)
        page = catalog_json_page(query=query, limit=50)
        written = catalog_items_json(page.rows, segments=query.segments, now=now)
        assert json.loads(written) == expected
        assert expected  # every case lists some leads
        discounts |= {item["discount_percent"] for item in expected}
    assert discounts == {0, 10, 35}
    assert len(expected) < len(odd_leads)  # the price filter left some out


def test_cursor_and_next_follow_the_same_rows(buyer_a, odd_leads):
    now = timezone.now()
    query = catalog_query(buyer=buyer_a.organization, filters=catalog_filters_parse({}), now=now)
    expected = catalog_page(query=query, limit=2)
    page = catalog_json_page(query=query, limit=2)
    assert page.next_position.created_at == expected.next_position.created_at
    assert str(page.next_position.id) == str(expected.next_position.id)
    assert catalog_json_page(query=query, limit=len(odd_leads)).next_position is None


def test_the_api_answer_is_json_with_line_separators_escaped(buyer_a, odd_leads):
    response = buyer_a.api().get("/api/v1/marketplace/leads/", {"limit": 2})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "\u2028" not in response.content.decode()
    assert "\\u2028" in response.content.decode()
    body = response.json()
    assert set(body) == {"results", "next", "count", "count_exact"}
    assert body["count"] == len(odd_leads)
    assert body["count_exact"] is True
    rest = browse(buyer_a, limit=2, cursor=body["next"].split("cursor=")[1].split("&")[0])
    third = browse(buyer_a, limit=50)["results"][2:4]
    assert rest["results"] == third
