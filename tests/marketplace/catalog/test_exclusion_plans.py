"""The catalog's "bought by me" rule reads the buyer's recent purchases of shared leads
from ``sale_buyer_shared_lead`` alone (partial on ``lead_shared``, the lead in its
INCLUDE, marketplace migration 0015): no table row per sale, and none of a large
buyer's purchases of exclusive leads, which the purchase sold out for good.

Plans, not timings: with sequential scans, nested loops and merge joins priced out of
reach, on vacuumed and analysed tables, the count's look-up of the buyer's purchases
must be that index-only scan; with one segment in scope, a range of it (the buyer, the
segment, since its oldest listable lead)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.catalog_params import catalog_filters_parse
from marketplace.models import Lead, Sale
from marketplace.selectors.catalog import catalog_count_sql, catalog_query
from tests.factories import LeadFactory, SaleFactory
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
    """300 shared leads the buyer bought an hour ago, of 400 (in the default segment)."""
    supplier = make_lead().supplier
    leads = Lead.objects.bulk_create(
        LeadFactory.build(supplier=supplier, created_at=hours_ago(n % 200), max_sales=3)
        for n in range(400)
    )
    Sale.objects.bulk_create(
        SaleFactory.build(lead=lead, buyer=buyer_a.organization, purchased_at=hours_ago(1))
        for lead in leads[:300]
    )
    return leads


def test_the_buyers_purchases_are_read_from_the_index_alone(buyer_a, bought):
    plan = _count_plan(buyer_a.organization, {})

    assert "Index Only Scan using sale_buyer_shared_lead on marketplace_sale" in plan, plan


def test_in_one_segment_only_its_recent_purchases_are_read(buyer_a, bought):
    segment = bought[0].segment
    plan = _count_plan(buyer_a.organization, {"segment": segment.slug})

    scan = plan.split("Index Only Scan using sale_buyer_shared_lead on marketplace_sale")[1]
    condition = next(line for line in scan.splitlines() if "Index Cond:" in line)
    # a range of the index: this buyer, this segment, since the oldest listable lead
    assert f"segment_id = {segment.pk}" in condition, plan
    assert "purchased_at >=" in condition, plan
