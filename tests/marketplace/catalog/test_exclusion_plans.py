"""The count's exclusions ("bought by me", "same person") hash the buyer's recent
purchases read from ``sale_buyer_segment_recent`` alone (buyer, segment, purchased_at;
the lead, ``lead_shared`` and the person keys in INCLUDE; marketplace migration 0015):
no table row per sale, and one range per segment in scope, so a buyer's older
purchases are never read, however long its history.

Plans, not timings: with sequential scans, nested loops and merge joins priced out of
reach, on vacuumed and analysed tables, the count's look-up of the buyer's purchases
must be that index-only scan, bounded by time in each segment."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.catalog_params import catalog_filters_parse
from marketplace.models import Lead, OrganizationKind, Sale
from marketplace.selectors.catalog import catalog_count_sql, catalog_query
from tests.factories import LeadFactory, OrganizationFactory, SaleFactory
from tests.marketplace.catalog.conftest import hours_ago

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _count_plan(buyer, params: dict) -> str:
    query = catalog_query(buyer=buyer, filters=catalog_filters_parse(params), now=timezone.now())
    sql, args = catalog_count_sql(query)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE marketplace_sale")
        cursor.execute("VACUUM ANALYZE marketplace_lead")
        # The hash anti-joins the count runs on a million leads; a few hundred would
        # be probed one by one.
        cursor.execute("SET enable_seqscan = off; SET enable_nestloop = off")
        cursor.execute("SET enable_mergejoin = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", args)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_nestloop; RESET enable_mergejoin")


@pytest.fixture
def bought(buyer_a, make_lead) -> list[Lead]:
    """300 shared leads the buyer bought an hour ago, of 400 (in the default segment),
    among 2,000 other buyers' purchases there, and 1,000 of its own from long ago."""
    supplier = make_lead().supplier
    leads = Lead.objects.bulk_create(
        LeadFactory.build(supplier=supplier, created_at=hours_ago(n % 200), max_sales=3)
        for n in range(400)
    )
    others = [OrganizationFactory(kind=OrganizationKind.BUYER) for _ in range(5)]
    history = Lead.objects.bulk_create(
        LeadFactory.build(supplier=supplier, created_at=hours_ago(24 * 300), status="expired")
        for _ in range(1_000)
    )
    Sale.objects.bulk_create(
        [
            *(
                SaleFactory.build(lead=lead, buyer=buyer_a.organization, purchased_at=hours_ago(1))
                for lead in leads[:300]
            ),
            *(
                SaleFactory.build(lead=lead, buyer=other, purchased_at=hours_ago(2))
                for other in others
                for lead in leads
            ),
            *(
                SaleFactory.build(
                    lead=lead, buyer=buyer_a.organization, purchased_at=hours_ago(24 * 300)
                )
                for lead in history
            ),
        ]
    )
    return leads


def _scans_of_purchases(plan: str) -> list[str]:
    """The Index Cond of each scan of ``sale_buyer_segment_recent``."""
    parts = plan.split("Index Only Scan using sale_buyer_segment_recent on marketplace_sale")
    return [next(line for line in part.splitlines() if "Index Cond:" in line) for part in parts[1:]]


def test_every_segment_in_scope_is_a_range_by_time(buyer_a, bought):
    plan = _count_plan(buyer_a.organization, {})

    # the three exclusions, each a range: this buyer, the segments in scope, since a time
    scans = _scans_of_purchases(plan)
    assert len(scans) == 3, plan
    for condition in scans:
        assert "segment_id = ANY" in condition, plan
        assert "purchased_at >=" in condition, plan


def test_in_one_segment_only_its_recent_purchases_are_read(buyer_a, bought):
    segment = bought[0].segment
    plan = _count_plan(buyer_a.organization, {"segment": segment.slug})

    scans = _scans_of_purchases(plan)
    assert len(scans) == 3, plan
    for condition in scans:
        assert f"segment_id = {segment.pk}" in condition, plan
        assert "purchased_at >=" in condition, plan
