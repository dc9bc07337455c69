"""Opt-out beyond the lead rows: kept upload files, error reports, evidence of returns
and stored API answers (Idempotency-Key replays) lose the person's data."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.models import IdempotencyRecord, Lead
from quality.models import Evidence
from quality.services.optout import optout_process, optout_request
from suppliers.uploads import reading, storage
from suppliers.uploads.models import UploadRowError, UploadStatus
from suppliers.uploads.processing import upload_process
from suppliers.uploads.report import error_report_lines
from suppliers.uploads.services import upload_create
from tests.quality.helpers import lead_make, returns_url, sale_make, stored_files
from tests.suppliers.uploads.files import csv_bytes, lead_row, xlsx_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PHONE = "+48 602 555 111"  # the person who opts out, as typed in the files
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def uploads_dir(settings, tmp_path):
    settings.UPLOADS_DIR = tmp_path / "uploads"
    return settings.UPLOADS_DIR


def _opt_out(moderator, capture) -> None:
    request, _token = optout_request(phone=PHONE)
    with capture(execute=True):
        optout_process(request_id=request.pk, moderator=moderator.user)


def _upload(supplier, content: bytes, name: str = "leads.csv"):
    # queued: nothing runs it until the test does (its task waits for the commit)
    return upload_create(
        supplier=supplier, segment_slug="loans", chunks=[content], original_name=name
    )


def _person_row(n: int) -> dict[str, str]:
    return lead_row(n, phone="602 555 111", email="zofia.optout@example.pl", first_name="Zofia")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_kept_upload_file_loses_the_persons_rows_and_resumes_at_the_same_numbers(
    file_format, supplier, moderator, django_capture_on_commit_callbacks
):
    lead_make(supplier, phone=PHONE, email="zofia.optout@example.pl")
    rows = [lead_row(1), _person_row(2), lead_row(3)]
    if file_format == "csv":
        content = csv_bytes(rows, encoding="cp1250", delimiter=";")
    else:
        content = xlsx_bytes([list(row.values()) for row in rows])
    upload = _upload(supplier, content, name=f"leads.{file_format}")
    assert upload.status == UploadStatus.QUEUED

    _opt_out(moderator, django_capture_on_commit_callbacks)

    upload.refresh_from_db()
    path = storage.stored_path(upload.stored_name)
    info = reading.FileInfo(
        file_format=upload.file_format, encoding=upload.encoding, delimiter=upload.delimiter
    )
    records = list(reading.records(path, info))
    assert len(records) == 4  # the header and three rows: numbers unchanged
    assert records[1][0] == "crm-1"
    assert not any(cell.strip() for cell in records[2])  # the person's row, blank
    assert records[3][0] == "crm-3"
    assert "602" not in path.read_bytes().decode("latin-1").replace("crm-", "")

    with django_capture_on_commit_callbacks(execute=True):
        assert upload_process(upload_id=upload.pk) == "done"
    upload.refresh_from_db()
    assert (upload.accepted, upload.rejected, upload.duplicates) == (2, 0, 0)
    assert not UploadRowError.objects.filter(upload=upload).exists()
    assert not path.exists()  # a finished upload's file is not kept


def test_finished_upload_report_loses_the_persons_rows_only(
    supplier, moderator, django_capture_on_commit_callbacks
):
    # the person's lead, then a duplicate of them and someone else's invalid row
    rows = [_person_row(1), _person_row(2), lead_row(3, phone="12", first_name="Other")]
    upload = _upload(supplier, csv_bytes(rows))
    assert upload_process(upload_id=upload.pk) == "done"
    assert UploadRowError.objects.filter(upload=upload).count() == 2
    before = "".join(error_report_lines(upload))
    assert "Zofia" in before

    _opt_out(moderator, django_capture_on_commit_callbacks)

    errors = {e.row_number: e for e in UploadRowError.objects.filter(upload=upload)}
    assert errors[3].values == []  # the duplicate of the person: kept as a row, no data
    assert errors[3].reasons  # the reason stays for the supplier's statistics
    assert errors[4].values[1] == "Other"  # someone else's row untouched
    report = "".join(error_report_lines(upload))
    assert "Zofia" not in report
    assert "zofia.optout" not in report
    assert "602 555 111" not in report
    assert "Other" in report


def test_person_in_a_file_read_after_the_opt_out_is_refused_without_their_cells(
    supplier, moderator, django_capture_on_commit_callbacks
):
    lead_make(supplier, phone=PHONE, email="zofia.optout@example.pl")
    _opt_out(moderator, django_capture_on_commit_callbacks)

    upload = _upload(supplier, csv_bytes([lead_row(1), _person_row(2)]))
    assert upload_process(upload_id=upload.pk) == "done"

    error = UploadRowError.objects.get(upload=upload)
    assert error.row_number == 3
    assert error.values == []
    assert "Zofia" not in "".join(error_report_lines(upload))


def test_evidence_files_and_notes_of_the_persons_returns_are_erased(
    buyer_a, buyer, supplier, moderator, django_capture_on_commit_callbacks
):
    lead = lead_make(supplier, phone=PHONE, email="zofia.optout@example.pl", first_name="Zofia")
    sale = sale_make(buyer, supplier, lead=lead)
    other_sale = sale_make(buyer, supplier)
    for target in (sale, other_sale):
        response = buyer_a.api().post(
            returns_url(target),
            {
                "reason": "wrong_person",
                "comment": "see file",
                "evidence_note": "Called Zofia on +48602555111: not her number.",
                "evidence_file": SimpleUploadedFile("call.png", PNG, content_type="image/png"),
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
    theirs = Evidence.objects.get(ret__sale=sale)
    kept = Evidence.objects.get(ret__sale=other_sale)
    their_file = theirs.file.name

    _opt_out(moderator, django_capture_on_commit_callbacks)

    theirs.refresh_from_db()
    assert (theirs.file.name, theirs.file_name) == ("", "")
    assert their_file not in stored_files()
    assert "Zofia" not in theirs.note
    assert "+48602555111" not in theirs.note
    assert "[erased]" in theirs.note
    kept.refresh_from_db()
    assert kept.file.name in stored_files()  # another person's return keeps its file
    assert kept.file_name == "call.png"


def test_stored_purchase_answer_is_scrubbed_and_still_replays(
    buyer_a, buyer, supplier, moderator, django_capture_on_commit_callbacks
):
    lead = lead_make(supplier, phone=PHONE, email="zofia.optout@example.pl", first_name="Zofia")
    other = lead_make(supplier, first_name="Maria")

    def buy(lead_id, key: str):
        return buyer_a.api().post(
            f"/api/v1/marketplace/leads/{lead_id}/purchase/",
            {"billing_model": "cpl"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    first = buy(lead.pk, "buy-person")
    assert first.status_code == 201, first.content
    assert first.json()["lead"]["first_name"] == "Zofia"
    assert buy(other.pk, "buy-other").status_code == 201

    _opt_out(moderator, django_capture_on_commit_callbacks)

    stored = bytes(IdempotencyRecord.objects.get(key="buy-person").response_body)
    assert b"Zofia" not in stored
    assert b"zofia.optout" not in stored
    assert b"602555111" not in stored
    assert b"Maria" in bytes(IdempotencyRecord.objects.get(key="buy-other").response_body)
    replay = buy(lead.pk, "buy-person")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    body = replay.json()
    assert body["id"] == first.json()["id"]
    assert body["lead"]["first_name"] == ""
    assert body["lead"]["phone"] == ""
    assert json.loads(stored)["id"] == first.json()["id"]
    assert Lead.objects.get(pk=lead.pk).first_name == ""


def test_a_damaged_kept_file_does_not_stop_the_others_from_being_erased(
    supplier, moderator, django_capture_on_commit_callbacks
):
    lead_make(supplier, phone=PHONE, email="zofia.optout@example.pl")
    damaged = _upload(supplier, csv_bytes([lead_row(1), _person_row(2)]))
    good = _upload(supplier, csv_bytes([lead_row(3), _person_row(4)]))
    broken = b"external_id,phone\r\ncrm-1,\xff\xfe\xfd not utf-8\r\n"
    storage.stored_path(damaged.stored_name).write_bytes(broken)

    _opt_out(moderator, django_capture_on_commit_callbacks)

    assert storage.stored_path(damaged.stored_name).read_bytes() == broken  # left as it was
    text = storage.stored_path(good.stored_name).read_text(encoding=good.encoding)
    assert "crm-3" in text
    assert "zofia.optout" not in text


def test_an_upload_finished_during_the_rewrite_leaves_no_file_behind(
    supplier, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    from suppliers.uploads import erasure
    from suppliers.uploads.models import Upload

    lead_make(supplier, phone=PHONE, email="zofia.optout@example.pl")
    upload = _upload(supplier, csv_bytes([lead_row(1), _person_row(2)]))
    rewrite = erasure._rewrite_csv

    def finished_meanwhile(path, target, kept, indexes):
        blanked = rewrite(path, target, kept, indexes)
        Upload.objects.filter(pk=kept.pk).update(status=UploadStatus.DONE)
        storage.discard(kept.stored_name)  # what upload_finish does after its commit
        return blanked

    monkeypatch.setattr(erasure, "_rewrite_csv", finished_meanwhile)
    _opt_out(moderator, django_capture_on_commit_callbacks)

    assert not storage.stored_path(upload.stored_name).exists()


def test_file_waiting_for_its_columns_is_searched_cell_by_cell(
    supplier, moderator, django_capture_on_commit_callbacks
):
    lead_make(supplier, phone=PHONE, email="zofia.optout@example.pl")
    headers = ["A", "B", "C"]  # nothing maps: the supplier has not chosen the columns yet
    rows = [["Jan", "+48 601 000 001", "jan@example.pl"], ["Zofia", "x", "Zofia.Optout@example.pl"]]
    upload = upload_create(
        supplier=supplier,
        segment_slug="loans",
        chunks=[csv_bytes(rows, headers=headers)],
        await_mapping=True,
    )
    assert upload.status == UploadStatus.AWAITING_MAPPING
    assert not {"phone", "email"} & set(upload.column_map.values())

    _opt_out(moderator, django_capture_on_commit_callbacks)

    text = storage.stored_path(upload.stored_name).read_text(encoding=upload.encoding)
    assert "jan@example.pl" in text
    assert "Zofia" not in text
