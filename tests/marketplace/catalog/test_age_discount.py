"""Listed prices follow the segment's age discounts, and max_price filters on them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.pricing import lead_listed_price
from marketplace.selectors.catalog import CatalogFilters, catalog_page, catalog_query
from tests.marketplace.catalog.conftest import browse, hours_ago, ids

pytestmark = pytest.mark.postgres


@pytest.fixture
def discounted(loans):
    loans.age_discounts = [{"after_hours": 72, "percent": 30}, {"after_hours": 24, "percent": 10}]
    loans.save(update_fields=["age_discounts"])
    return loans


def by_id(body: dict) -> dict[str, dict]:
    return {item["id"]: item for item in body["results"]}


def test_listing_shows_the_discounted_price_the_percent_and_the_original(
    buyer_a, make_lead, discounted
):
    new = make_lead(created_at=hours_ago(2), price_cents=1000, cpa_price_cents=5000)
    day_old = make_lead(created_at=hours_ago(30), price_cents=1000, cpa_price_cents=5000)
    old = make_lead(created_at=hours_ago(80), price_cents=1005, cpa_price_cents=None)

    items = by_id(browse(buyer_a))

    assert items[str(new.pk)]["price"] == "10.00"
    assert items[str(new.pk)]["discount_percent"] == 0
    assert items[str(day_old.pk)]["price"] == "9.00"
    assert items[str(day_old.pk)]["cpa_price"] == "45.00"
    assert items[str(day_old.pk)]["original_price"] == "10.00"
    assert items[str(day_old.pk)]["original_cpa_price"] == "50.00"
    assert items[str(day_old.pk)]["discount_percent"] == 10
    # 10.05 less 30% is 7.035: rounded half up to 7.04 (pricing.discounted_cents).
    assert items[str(old.pk)]["price"] == "7.04"
    assert items[str(old.pk)]["cpa_price"] is None
    assert items[str(old.pk)]["discount_percent"] == 30


def test_max_price_filters_on_the_listed_price(buyer_a, make_lead, discounted):
    new = make_lead(created_at=hours_ago(2), price_cents=1000)
    day_old = make_lead(created_at=hours_ago(30), price_cents=1000)
    old = make_lead(created_at=hours_ago(80), price_cents=1005)

    assert set(ids(browse(buyer_a, max_price="10.00"))) == {
        str(new.pk),
        str(day_old.pk),
        str(old.pk),
    }
    assert set(ids(browse(buyer_a, max_price="9.99"))) == {str(day_old.pk), str(old.pk)}
    assert set(ids(browse(buyer_a, max_price="9.00"))) == {str(day_old.pk), str(old.pk)}
    assert set(ids(browse(buyer_a, max_price="7.04"))) == {str(old.pk)}
    assert set(ids(browse(buyer_a, max_price="7.03"))) == set()


def test_max_price_agrees_with_the_listed_price_for_every_price_and_age(
    buyer_a, make_lead, discounted
):
    now = timezone.now()
    ages = [1, 23.9, 24.1, 71.9, 72.1, 200]
    leads = [
        make_lead(created_at=now - timedelta(hours=age), price_cents=price)
        for age in ages
        for price in (999, 1000, 1001, 1111, 1429, 1430)
    ]
    for limit_cents in (700, 900, 1000, 1001, 1287):
        filters = CatalogFilters(max_price_cents=limit_cents)
        query = catalog_query(buyer=buyer_a.organization, filters=filters, now=now)
        found = {row.pk for row in catalog_page(query=query, limit=len(leads)).leads}
        expected = {
            lead.pk
            for lead in leads
            if lead_listed_price(lead=lead, segment=discounted, now=now).price_cents <= limit_cents
        }
        assert found == expected, limit_cents


def test_a_segment_without_discounts_lists_the_own_price(buyer_a, make_lead, loans):
    lead = make_lead(created_at=hours_ago(200), price_cents=1234)
    item = browse(buyer_a)["results"][0]
    assert item["id"] == str(lead.pk)
    assert item["price"] == "12.34"
    assert item["discount_percent"] == 0
