"""An upload that changes a large share of the lead table analyses it between chunks
(PostgreSQL), and stores exactly what it stores without; below the thresholds, and
on other databases, no ANALYZE."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Lead
from suppliers.uploads.models import Upload
from suppliers.uploads.processing import upload_process
from suppliers.uploads.statistics import analyze_due
from tests.suppliers.uploads.conftest import create
from tests.suppliers.uploads.files import csv_bytes, lead_row, pl_phone

pytestmark = pytest.mark.django_db

ROWS = 60


def _file() -> bytes:
    rows = []
    for n in range(1, ROWS + 1):
        row = lead_row(n)
        if n % 7 == 0:  # the same person as an earlier row: a duplicate
            row["phone"], row["email"] = pl_phone(n - 5), f"again{n}@example.pl"
        rows.append(row)
    return csv_bytes(rows)


def _analyses() -> tuple[int, object]:
    """The lead table's ANALYZE count and last ANALYZE time, as the server has them now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # not the transaction's first look
        cursor.execute(
            "SELECT pg_stat_get_analyze_count(%s::regclass),"
            " pg_stat_get_last_analyze_time(%s::regclass)",
            [Lead._meta.db_table] * 2,
        )
        return cursor.fetchone()


def _stored() -> list[tuple]:
    by_pk = {lead.pk: lead.external_id for lead in Lead.objects.all()}
    return sorted(
        (
            lead.external_id,
            lead.status,
            tuple(lead.rejection_reasons),
            by_pk.get(lead.duplicate_of_id),
        )
        for lead in Lead.objects.all()
    )


def _savepoint_depths_of_analyze(statements: CaptureQueriesContext) -> list[int]:
    """How deep in the chunks' transactions (savepoints, in a test) each ANALYZE ran."""
    depth, depths = 0, []
    for query in statements:
        sql = query["sql"]
        if sql.startswith("SAVEPOINT"):
            depth += 1
        elif sql.startswith("RELEASE SAVEPOINT"):
            depth -= 1
        elif sql.startswith("ANALYZE"):
            depths.append(depth)
    return depths


def _process(actor) -> Upload:
    upload = create(actor, _file())
    assert upload_process(upload_id=upload.pk) == "done"
    upload.refresh_from_db()
    return upload


@pytest.mark.postgres
def test_an_upload_past_the_thresholds_analyses_the_table_and_stores_the_same(supplier_a, settings):
    settings.UPLOAD_CHUNK_ROWS = 10
    settings.UPLOAD_ANALYZE_EVERY_CHUNKS = 2

    # given: thresholds no upload reaches
    settings.UPLOAD_ANALYZE_MIN_ROWS = 1_000_000
    before = _analyses()
    unanalysed = _process(supplier_a)
    assert _analyses() == before
    expected = _stored()
    assert len(expected) == ROWS
    assert unanalysed.duplicates == ROWS // 7
    Lead.objects.all().delete()

    # when: the same file, into a table analysed empty, checked every 20 leads: more than
    # 15 changed, and more than 60% of the leads analysed (20 of 0, 20 of 20, not 20 of 40)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Lead._meta.db_table}")
    before = _analyses()
    settings.UPLOAD_ANALYZE_MIN_ROWS = 15
    settings.UPLOAD_ANALYZE_PERCENT = 60
    with CaptureQueriesContext(connection) as statements:
        analysed = _process(supplier_a)

    # then: the table was analysed, between chunks, and the same leads are stored
    count, last = _analyses()
    assert count > before[0]
    assert last is not None
    assert before[1] is None or last > before[1]
    assert _savepoint_depths_of_analyze(statements) == [0, 0]  # chunks 2 and 4, outside them
    assert count == before[0] + 2
    assert _stored() == expected
    assert (analysed.accepted, analysed.duplicates, analysed.rejected) == (
        unanalysed.accepted,
        unanalysed.duplicates,
        unanalysed.rejected,
    )


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL analyses")
def test_elsewhere_than_postgresql_nothing_is_analysed(supplier_a, settings):
    settings.UPLOAD_CHUNK_ROWS = 10
    settings.UPLOAD_ANALYZE_EVERY_CHUNKS = 1
    settings.UPLOAD_ANALYZE_MIN_ROWS = 0
    with CaptureQueriesContext(connection) as statements:
        upload = _process(supplier_a)
    assert upload.processed_rows == ROWS
    assert Lead.objects.count() == ROWS
    assert not [q for q in statements if "ANALYZE" in q["sql"].upper()]


@pytest.mark.parametrize(
    ("changed", "described", "due"),
    [
        (10_001, -1, True),  # never analysed
        (10_001, 0, True),
        (10_000, 0, False),  # not more than the minimum
        (20_001, 100_000, True),
        (20_000, 100_000, False),  # not more than the share
        (50_000, 1_000_000, False),
    ],
)
def test_analyze_is_due_past_both_the_minimum_and_the_share(settings, changed, described, due):
    settings.UPLOAD_ANALYZE_MIN_ROWS = 10_000
    settings.UPLOAD_ANALYZE_PERCENT = 20
    assert analyze_due(changed=changed, described=described) is due
