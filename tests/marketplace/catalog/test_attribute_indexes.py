"""``manage.py catalog_attribute_indexes``: one index per numeric attribute of each active
segment's schema, on the very expression the catalog's range filters are written with."""

from __future__ import annotations

from io import StringIO

import psycopg2
import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from marketplace.catalog_params import catalog_filters_parse
from marketplace.models import Segment
from marketplace.selectors.catalog_sql import attribute_clause
from marketplace.services.catalog_indexes import (
    PREFIX,
    SYNC_LOCK_KEY,
    AttributeIndexChanges,
    attribute_index_name,
    catalog_attribute_indexes_sync,
)
from marketplace.tasks import sync_catalog_attribute_indexes
from tests.factories import LeadFactory

pytestmark = pytest.mark.postgres


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("catalog_attribute_indexes", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'marketplace_lead'"
            " AND indexname LIKE %s",
            [PREFIX.replace("_", r"\_") + "%"],
        )
        return dict(cursor.fetchall())


@pytest.fixture
def built(transactional_db):
    """CREATE INDEX CONCURRENTLY needs autocommit; the indexes outlive the test's flush,
    so they are dropped here."""
    yield
    with connection.cursor() as cursor:
        for name in indexes():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def _expected() -> set[str]:
    return {
        attribute_index_name(segment.pk, name)
        for segment in Segment.objects.filter(is_active=True)
        for name, prop in segment.fields["properties"].items()
        if prop.get("type") in ("integer", "number")
    }


def test_each_numeric_attribute_of_an_active_segment_gets_one_index_once(built):
    loans = Segment.objects.get(slug="loans")

    first = run()
    again = run()

    found = indexes()
    assert set(found) == _expected()
    assert first[-1] == f"{len(found)} created, 0 dropped"
    assert again == ["0 created, 0 dropped"]
    amount = found[attribute_index_name(loans.pk, "amount")]
    assert "catalog_attribute_number(attributes, 'amount'::text)" in amount
    assert f"segment_id = {loans.pk}" in amount
    assert "'available'" in amount
    # Text attributes take no range filter, so they get no index.
    assert attribute_index_name(loans.pk, "purpose") not in found


def test_a_schema_change_drops_what_no_active_schema_declares(built):
    run()
    loans = Segment.objects.get(slug="loans")
    properties = dict(loans.fields["properties"])
    del properties["term_months"]
    Segment.objects.filter(pk=loans.pk).update(fields={**loans.fields, "properties": properties})
    Segment.objects.filter(slug="travel").update(is_active=False)

    planned = run("--dry-run")
    assert set(indexes()) != _expected()  # a dry run changes nothing
    lines = run()

    assert set(indexes()) == _expected()
    gone = {attribute_index_name(loans.pk, "term_months")}
    travel = Segment.objects.get(slug="travel")
    gone |= {attribute_index_name(travel.pk, name) for name in ("adults", "budget", "nights")}
    assert {f"drop {name}" for name in gone} <= set(lines)
    assert planned == lines


def test_an_attribute_name_with_quotes_is_quoted_as_a_literal(built):
    loans = Segment.objects.get(slug="loans")
    name = 'it\'s "x"); DROP TABLE marketplace_lead; --'
    properties = {**loans.fields["properties"], name: {"type": "number"}}
    Segment.objects.filter(pk=loans.pk).update(fields={**loans.fields, "properties": properties})

    run()

    assert attribute_index_name(loans.pk, name) in indexes()
    assert connection.introspection.table_names()  # still there
    assert "marketplace_lead" in connection.introspection.table_names()


def test_the_range_filter_is_written_with_its_index_expression(built):
    loans = Segment.objects.get(slug="loans")
    for amount in range(100, 20100, 100):
        LeadFactory(segment=loans, attributes={"amount": amount})
    run()
    (item,) = catalog_filters_parse({"segment": "loans", "attr.amount_min": "19000"}).attributes
    clause, params = attribute_clause(item)
    sql = (
        "SELECT v0.id FROM marketplace_lead v0"
        f" WHERE v0.status = 'available' AND v0.segment_id = %s AND {clause}"
    )

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE marketplace_lead")
        # A test table is tiny: with only the plans an index serves, the planner shows
        # that the index matches the filter's expression.
        cursor.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", [loans.pk, *params])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute(sql, [loans.pk, *params])
            found = cursor.fetchall()
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_bitmapscan")

    assert f"Index Scan using {attribute_index_name(loans.pk, 'amount')}" in plan, plan
    assert len(found) == 11


def test_the_beat_task_brings_the_indexes_in_line_and_is_scheduled(built):
    result = sync_catalog_attribute_indexes.delay().get()

    assert set(indexes()) == _expected()
    assert sorted(result["created"]) == sorted(_expected())
    assert sync_catalog_attribute_indexes.delay().get() == {
        "created": [],
        "dropped": [],
        "busy": False,
    }
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert sync_catalog_attribute_indexes.name in scheduled


def test_a_sync_while_another_runs_changes_nothing(built):
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SYNC_LOCK_KEY])

        changes = catalog_attribute_indexes_sync()
        lines = run()

        assert changes == AttributeIndexChanges(created=[], dropped=[], busy=True)
        assert lines == ["another sync is running; nothing changed by this one"]
        assert indexes() == {}
    finally:
        other.close()  # ends its session: the lock goes with it
    assert catalog_attribute_indexes_sync().created == sorted(_expected())


class _SchemaForm:
    def __init__(self, changed: list[str]) -> None:
        self.changed_data = changed


@pytest.mark.parametrize(("changed", "builds"), [(["fields"], True), (["name"], False)])
def test_saving_a_segment_s_schema_in_the_admin_builds_its_new_index(built, changed, builds):
    loans = Segment.objects.get(slug="loans")
    loans.fields = {
        **loans.fields,
        "properties": {**loans.fields["properties"], "income": {"type": "integer"}},
    }
    segment_admin = admin.site._registry[Segment]

    segment_admin.save_model(RequestFactory().post("/"), loans, _SchemaForm(changed), True)

    assert (attribute_index_name(loans.pk, "income") in indexes()) is builds
