"""Chunks prepared in forked children store exactly what in-process processing
stores: the same leads, counts and error report; a lost child or a failing one
changes nothing stored; stopping early leaves no child behind."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from marketplace.models import Lead, Segment
from suppliers.intake.preparing import PreparedLead, leads_prepare
from suppliers.services import lead_submit_many, lead_submit_prepared
from suppliers.uploads import processing
from suppliers.uploads.errors import UploadFileError
from suppliers.uploads.models import Upload, UploadRowError, UploadStatus
from suppliers.uploads.processing import upload_process
from tests.factories import lead_payload
from tests.suppliers.uploads.conftest import create
from tests.suppliers.uploads.files import csv_bytes, lead_row, pl_phone

pytestmark = pytest.mark.django_db

TOTAL = 60
STORED_BEFORE = {"phone": pl_phone(3), "external_id": "other-system-3"}  # row 4's person


def _file() -> bytes:
    rows = []
    for n in range(1, TOTAL + 1):
        row = lead_row(n)
        if n % 11 == 0:
            row["phone"], row["email"] = "12", ""  # invalid
        elif n % 13 == 0:
            row["phone"], row["email"] = pl_phone(n - 5), f"again{n}@example.pl"  # same person
        elif n % 17 == 0:
            row["external_id"] = f"crm-{n - 10}"  # resent inside the file
        elif n % 19 == 0:
            row["consent_text"] = ""  # no consent
        if n % 23 == 0:
            row["external_id"] = ""  # derived from the upload and the row
        if n == 29:
            row["external_id"] = "crm-stored"  # sent before the upload
        rows.append(row)
    return csv_bytes(rows)


@pytest.fixture
def stored_before(supplier_a) -> set:
    supplier = supplier_a.organization
    first = lead_submit_many(
        supplier=supplier,
        payloads=[
            lead_payload(**STORED_BEFORE),
            lead_payload(external_id="crm-stored", phone=pl_phone(999), email="x@example.pl"),
        ],
    )
    assert all(item.error is None for item in first)
    return set(Lead.objects.values_list("pk", flat=True))


def _snapshot(upload: Upload) -> dict:
    upload.refresh_from_db()

    def named(value: object) -> object:
        return str(value).replace(str(upload.pk), "UPLOAD") if value is not None else None

    leads = []
    external = dict(Lead.objects.values_list("pk", "external_id"))
    for lead in Lead.objects.filter(supplier=upload.supplier).order_by("external_id"):
        row = {
            field.attname: getattr(lead, field.attname)
            for field in Lead._meta.concrete_fields
            if field.attname not in ("id", "created_at", "duplicate_of_id")
        }
        row["external_id"] = named(lead.external_id)
        row["duplicate_of"] = named(external.get(lead.duplicate_of_id))
        leads.append(row)
    errors = list(
        UploadRowError.objects.filter(upload=upload)
        .order_by("row_number")
        .values_list("row_number", "kind", "values", "reasons")
    )
    counts = (
        upload.status,
        upload.total_rows,
        upload.processed_rows,
        upload.last_row,
        upload.accepted,
        upload.duplicates,
        upload.rejected,
        upload.reason_counts,
    )
    return {
        "counts": counts,
        "errors": errors,
        "leads": sorted(leads, key=lambda r: r["external_id"]),
    }


def _process(actor, keep: set, *, processes: int, settings) -> dict:
    settings.UPLOAD_CHUNK_ROWS = 7  # many chunks, each child prepares several
    Lead.objects.exclude(pk__in=keep).delete()  # each run starts from the same stored leads
    upload = create(actor, _file())
    assert upload_process(upload_id=upload.pk, prepare_processes=processes) == "done"
    return _snapshot(upload)


def test_children_store_what_in_process_preparing_stores(supplier_a, stored_before, settings):
    here = _process(supplier_a, stored_before, processes=0, settings=settings)
    one = _process(supplier_a, stored_before, processes=1, settings=settings)
    three = _process(supplier_a, stored_before, processes=3, settings=settings)

    assert one == here
    assert three == here
    status, total, processed, last_row, accepted, duplicates, rejected, reasons = here["counts"]
    assert (status, total, processed, last_row) == (UploadStatus.DONE, TOTAL, TOTAL, TOTAL + 1)
    # leads 11, 22, 33, 44, 55 invalid; 3 (stored before), 13, 26, 52 duplicates (39's
    # person, 34, was a resend, never stored); 17, 34, 51, 29 resent; 19, 38, 57 without
    # consent. Lead n is on row n + 1.
    assert (accepted, duplicates, rejected) == (TOTAL - 5 - 4 - 4 - 3, 4 + 4, 5 + 3)
    assert reasons == {"phone": 5, "duplicate": 4, "resent": 4, "no_consent": 3}
    invalid, duplicate, resent, no_consent = (
        [12, 23, 34, 45, 56],
        [4, 14, 27, 53],
        [18, 30, 35, 52],
        [20, 39, 58],
    )
    assert [number for number, *_ in here["errors"]] == sorted(
        [*invalid, *duplicate, *resent, *no_consent]
    )
    assert sum(1 for lead in here["leads"] if lead["external_id"].startswith("upload-")) == 2


def _in_a_child(parent: int) -> bool:
    return os.getpid() != parent


def test_a_lost_child_is_replaced_by_preparing_here(
    supplier_a, stored_before, settings, monkeypatch
):
    here = _process(supplier_a, stored_before, processes=0, settings=settings)
    parent, real = os.getpid(), processing.prepare_chunk

    def dies_at_row_30(chunk, **kwargs):
        if _in_a_child(parent) and chunk[0][0] >= 30:
            os._exit(9)  # as if killed (out of memory)
        return real(chunk, **kwargs)

    monkeypatch.setattr(processing, "prepare_chunk", dies_at_row_30)
    assert _process(supplier_a, stored_before, processes=2, settings=settings) == here


def test_a_childs_file_error_fails_the_upload_after_the_chunks_before(
    supplier_a, settings, monkeypatch
):
    settings.UPLOAD_CHUNK_ROWS = 10
    parent, real = os.getpid(), processing.prepare_chunk

    def unreadable_from_row_32(chunk, **kwargs):
        if _in_a_child(parent) and chunk[-1][0] >= 32:
            raise UploadFileError("The file cannot be read after row 31.")
        return real(chunk, **kwargs)

    monkeypatch.setattr(processing, "prepare_chunk", unreadable_from_row_32)
    upload = create(supplier_a, csv_bytes([lead_row(n) for n in range(1, 51)]))

    assert upload_process(upload_id=upload.pk, prepare_processes=2) == "failed"

    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.failure_reason == "The file cannot be read after row 31."
    # rows 2-11, 12-21, 22-31 stored; the chunk of rows 32-41 never was
    assert (upload.processed_rows, upload.last_row, upload.accepted) == (30, 31, 30)
    assert Lead.objects.count() == 30


def _children() -> list[int]:
    mine = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == mine:
                found.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return found


def test_a_run_out_of_time_stops_its_children_and_the_next_run_goes_on(supplier_a, settings):
    settings.UPLOAD_CHUNK_ROWS = 5
    before = set(_children())
    upload = create(supplier_a, csv_bytes([lead_row(n) for n in range(1, 41)]))

    assert upload_process(upload_id=upload.pk, time_budget=0, prepare_processes=2) == "more"
    assert set(_children()) == before  # stopped and reaped
    upload.refresh_from_db()
    assert (upload.processed_rows, upload.last_row) == (5, 6)

    assert upload_process(upload_id=upload.pk, prepare_processes=2) == "done"
    upload.refresh_from_db()
    assert (upload.processed_rows, upload.accepted) == (40, 40)
    assert Lead.objects.count() == 40


@pytest.mark.parametrize(
    "as_rows",
    [  # COPY rows are prepared on PostgreSQL only
        pytest.param(True, id="copy-rows", marks=pytest.mark.postgres),
        pytest.param(False, id="drafts-kept"),
    ],
)
def test_prepared_leads_are_stored_as_the_api_stores_them(
    supplier_a, supplier_b, monkeypatch, as_rows
):
    monkeypatch.setattr("suppliers.intake.copying.COPY_FROM", 1)  # the API's COPY too
    if not as_rows:  # as on a database without COPY (the SQLite demo): Leads from drafts
        monkeypatch.setattr("suppliers.intake.preparing.connection", SimpleNamespace(vendor="x"))
    segments = {"loans": Segment.objects.get(slug="loans")}
    payloads = [
        lead_payload(external_id="p-1", phone=pl_phone(1), email="p1@example.pl"),
        lead_payload(external_id="p-2", phone=pl_phone(2), email="", consent=None),
        lead_payload(external_id="p-3", phone=pl_phone(1), email="p3@example.pl"),  # dup of p-1
        lead_payload(external_id="p-1", phone=pl_phone(4), email="p4@example.pl"),  # resent
    ]
    api = lead_submit_many(supplier=supplier_a.organization, payloads=payloads, segments=segments)
    # the same people again from another supplier would all be duplicates: clear them first
    by_api = {lead.external_id: lead for lead in Lead.objects.all()}
    api_rows = {key: _columns(lead, by_api) for key, lead in by_api.items()}
    Lead.objects.all().delete()

    supplier = supplier_b.organization
    now = api[0].result.lead.created_at
    prepared = leads_prepare(payloads, segments=segments, supplier_id=supplier.pk, now=now)
    assert all(isinstance(item, PreparedLead) for item in prepared)
    assert all(
        (item.row is not None, item.draft is None) == (as_rows, as_rows) for item in prepared
    )
    verdicts = lead_submit_prepared(
        supplier=supplier, prepared=prepared, segments=segments, now=now
    )

    assert [v.status if v else None for v in verdicts] == [
        item.result.lead.status if item.result.created else None for item in api
    ]
    by_prepared = {lead.external_id: lead for lead in Lead.objects.all()}
    assert {key: _columns(lead, by_prepared) for key, lead in by_prepared.items()} == api_rows


def _columns(lead: Lead, by_external_id: dict) -> dict:
    ids = {stored.pk: key for key, stored in by_external_id.items()}
    row = {
        field.attname: getattr(lead, field.attname)
        for field in Lead._meta.concrete_fields
        if field.attname not in ("id", "supplier_id", "duplicate_of_id")
    }
    row["duplicate_of"] = ids.get(lead.duplicate_of_id)
    return row
