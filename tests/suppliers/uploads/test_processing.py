"""Processing an upload in-process (eager tasks): rows judged by the intake rules,
counted, checkpointed; the error report's rows and reasons."""

from __future__ import annotations

import csv
import io

import pytest

from marketplace.models import Lead, LeadStatus
from suppliers.uploads.models import Upload, UploadEvent, UploadRowError, UploadStatus
from suppliers.uploads.processing import upload_process
from tests.suppliers.uploads.conftest import create, send
from tests.suppliers.uploads.files import HEADERS, csv_bytes, lead_row

pytestmark = pytest.mark.django_db


def _report(actor, upload: Upload) -> list[list[str]]:
    response = actor.api().get(f"/api/v1/uploads/{upload.pk}/errors.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_upload_stores_accepted_rows_and_reports_the_others_with_their_row_numbers(
    supplier_a, django_capture_on_commit_callbacks
):
    rows = [
        lead_row(1),
        lead_row(2, phone="12", email=""),  # row 3: not a phone
        lead_row(3),
        lead_row(4, phone=lead_row(1)["phone"], email="other@example.pl"),  # row 5: same person
        lead_row(5, consent_text=""),  # row 6: no consent
        lead_row(1),  # row 7: the same external_id again
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = send(supplier_a, csv_bytes(rows))

    assert response.status_code == 202, response.content
    body = response.json()
    upload = Upload.objects.get(pk=body["id"])
    assert upload.status == UploadStatus.DONE
    assert (upload.total_rows, upload.processed_rows) == (6, 6)
    assert (upload.accepted, upload.duplicates, upload.rejected) == (2, 2, 2)
    stored = Lead.objects.filter(supplier=supplier_a.organization)
    assert stored.filter(status=LeadStatus.AVAILABLE).count() == 2
    assert set(stored.values_list("external_id", flat=True)) == {"crm-1", "crm-3", "crm-4", "crm-5"}
    assert upload.reason_counts == {"phone": 1, "duplicate": 1, "no_consent": 1, "resent": 1}

    report = _report(supplier_a, upload)
    assert report[0] == ["row", "outcome", "reasons", *HEADERS]
    by_row = {line[0]: line for line in report[1:]}
    assert sorted(by_row, key=int) == ["3", "5", "6", "7"]
    assert by_row["3"][2] == "phone: not a valid number for PL"
    assert by_row["3"][3:] == [lead_row(2, phone="12", email="")[h] for h in HEADERS]
    assert by_row["5"][1] == "duplicate"
    assert by_row["6"][1] == "rejected"
    assert "consent" in by_row["6"][2].lower()
    assert by_row["7"][2].startswith("external_id:")
    assert list(UploadEvent.objects.filter(upload=upload).values_list("to_status", flat=True)) == [
        "queued",
        "processing",
        "done",
    ]

    detail = supplier_a.api().get(body["url"]).json()
    assert detail["status"] == "done"
    assert (detail["accepted"], detail["duplicates"], detail["rejected"]) == (2, 2, 2)
    assert detail["errors_url"].endswith(f"/api/v1/uploads/{upload.pk}/errors.csv")


def test_rows_without_external_id_get_a_stable_one_from_upload_and_row(supplier_a):
    rows = [lead_row(1, external_id=""), lead_row(2, external_id="")]
    upload = create(supplier_a, csv_bytes(rows))

    assert upload_process(upload_id=upload.pk) == "done"

    ids = set(Lead.objects.values_list("external_id", flat=True))
    assert ids == {f"upload-{upload.pk}-row-2", f"upload-{upload.pk}-row-3"}


def test_a_chunk_already_committed_is_not_stored_again(supplier_a, settings):
    settings.UPLOAD_CHUNK_ROWS = 2
    upload = create(supplier_a, csv_bytes([lead_row(n, external_id="") for n in range(1, 6)]))

    assert upload_process(upload_id=upload.pk) == "done"
    # when: a redelivered run of a finished upload, and a stale checkpoint replayed
    assert upload_process(upload_id=upload.pk) == "idle"
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.PROCESSING, last_row=3)
    assert upload_process(upload_id=upload.pk) == "done"

    assert Lead.objects.count() == 5
    upload.refresh_from_db()
    assert upload.accepted == 5 + 0  # rows 4-6 ran again: resent, counted as duplicates
    assert UploadRowError.objects.filter(upload=upload).count() == 3


def test_idempotency_key_replays_the_first_answer_and_stores_one_upload(supplier_a):
    content = csv_bytes([lead_row(1)])

    first = send(supplier_a, content, headers={"HTTP_IDEMPOTENCY_KEY": "upload-1"})
    again = send(supplier_a, content, headers={"HTTP_IDEMPOTENCY_KEY": "upload-1"})
    other_file = send(
        supplier_a, csv_bytes([lead_row(2)]), headers={"HTTP_IDEMPOTENCY_KEY": "upload-1"}
    )

    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert other_file.status_code == 422  # the same key with another file: refused
    assert Upload.objects.count() == 1
