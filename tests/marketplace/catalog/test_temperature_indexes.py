"""The count of a temperature filter walks an index led by the temperature (marketplace
migration 0013), with or without a segment, instead of keeping one entry in three of
the segment's or the time window's.

Plans, not timings: on a few thousand vacuumed and analysed leads the count's scan must
name the index expected."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.catalog_params import catalog_filters_parse
from marketplace.models import Lead, Temperature
from marketplace.selectors.catalog import catalog_count_sql, catalog_query
from tests.factories import LeadFactory
from tests.marketplace.catalog.conftest import hours_ago

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spread(make_lead, loans, travel):
    """Leads of both segments, every temperature, over two days; vacuumed, so the
    planner prices index-only scans as the catalog's run in production."""
    supplier = make_lead().supplier
    Lead.objects.bulk_create(
        LeadFactory.build(
            supplier=supplier,
            segment=(loans, travel)[n % 2],
            temperature=list(Temperature.values)[n % len(Temperature.values)],
            created_at=hours_ago(n % 48),
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE marketplace_lead")


def _count_plan(buyer, params: dict) -> str:
    query = catalog_query(buyer=buyer, filters=catalog_filters_parse(params), now=timezone.now())
    sql, args = catalog_count_sql(query)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", args)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"segment": "loans", "temperature": "hot"}, "lead_catalog_segment_temp"),
        (
            {"segment": "loans", "temperature": "hot", "max_price": "30.00"},
            "lead_catalog_segment_temp",
        ),
        ({"temperature": "warm", "max_age_hours": "24"}, "lead_catalog_temperature"),
    ],
)
def test_a_temperature_filter_is_counted_on_a_temperature_index(buyer_a, spread, params, index):
    plan = _count_plan(buyer_a.organization, params)

    assert f"Index Only Scan using {index} " in plan, plan


def test_without_a_temperature_the_count_keeps_the_segment_index(buyer_a, spread):
    plan = _count_plan(buyer_a.organization, {"segment": "loans"})

    assert "Index Only Scan using lead_catalog_segment " in plan, plan
