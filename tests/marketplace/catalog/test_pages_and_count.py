"""Keyset pages cover every row exactly once; the count is exact, then an estimate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.selectors import catalog
from tests.marketplace.catalog.conftest import CATALOG_URL, browse, ids

pytestmark = pytest.mark.postgres


def walk(actor, **params) -> list[list[str]]:
    """Every page, following ``next`` links."""
    pages = []
    response = actor.api().get(CATALOG_URL, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(ids(body))
        if body["next"] is None:
            return pages
        response = actor.api().get(body["next"])


def test_cursor_pages_cover_every_row_exactly_once_with_ties_in_created_at(buyer_a, make_lead):
    instant = timezone.now() - timedelta(hours=1)
    tied = [make_lead(created_at=instant) for _ in range(7)]
    others = [make_lead(created_at=instant - timedelta(minutes=m)) for m in range(1, 6)]
    expected = sorted(tied, key=lambda lead: lead.pk, reverse=True) + others

    pages = walk(buyer_a, limit="3")

    assert [len(page) for page in pages] == [3, 3, 3, 3]
    flat = [lead_id for page in pages for lead_id in page]
    assert flat == [str(lead.pk) for lead in expected]


def test_pages_keep_their_filters_and_the_total_count(buyer_a, make_lead):
    for _ in range(5):
        make_lead(temperature="hot")
    make_lead(temperature="cold")
    first = browse(buyer_a, temperature="hot", limit="2")
    assert first["count"] == 5
    assert first["count_exact"] is True
    assert "temperature=hot" in first["next"]
    pages = walk(buyer_a, temperature="hot", limit="2")
    assert sum(len(page) for page in pages) == 5


def test_limit_is_capped_at_200(buyer_a, make_lead):
    make_lead()
    assert len(ids(browse(buyer_a, limit="100000"))) == 1


def test_a_purchase_between_pages_does_not_shift_the_next_page(buyer_a, make_lead):
    from tests.factories import SaleFactory

    leads = [make_lead(created_at=timezone.now() - timedelta(minutes=m)) for m in range(4)]
    first = browse(buyer_a, limit="2")
    assert ids(first) == [str(leads[0].pk), str(leads[1].pk)]
    SaleFactory(lead=leads[0], buyer=buyer_a.organization)  # bought meanwhile
    second = buyer_a.api().get(first["next"]).json()
    assert ids(second) == [str(leads[2].pk), str(leads[3].pk)]


def test_count_is_exact_up_to_the_limit(buyer_a, make_lead, monkeypatch):
    monkeypatch.setattr(catalog, "EXACT_COUNT_LIMIT", 4)
    for _ in range(4):
        make_lead()
    body = browse(buyer_a, limit="1")
    assert body["count"] == 4
    assert body["count_exact"] is True


def test_past_the_limit_the_count_is_an_estimate_and_says_so(buyer_a, make_lead, monkeypatch):
    monkeypatch.setattr(catalog, "EXACT_COUNT_LIMIT", 4)
    # Nine leads spread over the 30-day freshness range, one every three days.
    for days in range(1, 28, 3):
        make_lead(created_at=timezone.now() - timedelta(days=days))
    body = browse(buyer_a, limit="1")
    assert body["count_exact"] is False
    # Extrapolated from the time span the capped scan covered: the right magnitude,
    # never below what was counted.
    assert 5 <= body["count"] <= 30
