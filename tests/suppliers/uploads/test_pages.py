"""The supplier's upload pages: file and segment, the column-mapping step (automatic,
adjustable, remembered), the progress fragment htmx polls, the summary."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.models import Lead
from suppliers.uploads.models import ColumnMemory, Upload, UploadStatus
from tests.suppliers.uploads.files import csv_bytes, lead_row

pytestmark = pytest.mark.django_db

POLISH_HEADERS = ["Imię", "Telefon", "Kraj", "Zgoda", "Data zgody", "Kwota", "Uwagi"]


def _polish_file(n: int = 1) -> bytes:
    rows = [
        ["Łucja", lead_row(i)["phone"], "PL", "Zgadzam się", "2026-11-20T10:00:00Z", "5000", "x"]
        for i in range(n)
    ]
    return csv_bytes(rows, headers=POLISH_HEADERS, encoding="cp1250", delimiter=";")


def _post_file(client, content: bytes, name: str = "leady.csv"):
    return client.post(
        "/suppliers/uploads/",
        {"file": SimpleUploadedFile(name, content), "segment": "loans"},
    )


def test_upload_map_columns_and_watch_it_finish(supplier_a, django_capture_on_commit_callbacks):
    client = supplier_a.browser()
    assert client.get("/suppliers/uploads/").status_code == 200

    response = _post_file(client, _polish_file(3))
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.AWAITING_MAPPING
    assert upload.original_name == "leady.csv"
    assert upload.stored_name != "leady.csv"

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Imię" in html  # the headers, decoded from Windows-1250
    form = page.context["form"]
    assert form["col_0"].initial == "first_name"
    assert form["col_5"].initial == ""  # "Kwota" (amount) is not recognised
    assert "consent_captured_at" not in page.context["missing"]

    choices = {f"col_{i}": form[f"col_{i}"].initial for i in range(len(POLISH_HEADERS))}
    choices["col_5"] = "amount"  # the supplier adjusts one
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/suppliers/uploads/{upload.pk}/columns/", choices)
    assert confirmed.status_code == 302

    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE
    assert upload.accepted == 3
    assert {lead.first_name for lead in Lead.objects.all()} == {"Łucja"}
    fragment = client.get(f"/suppliers/uploads/{upload.pk}/progress/")
    assert fragment.status_code == 200
    assert "hx-get" not in fragment.content.decode()  # finished: no more polling
    memory = ColumnMemory.objects.get(supplier=supplier_a.organization).mapping
    assert memory["kwota"] == "amount"

    # the next file with the same headers comes pre-mapped as chosen
    _post_file(client, _polish_file(1))
    second = Upload.objects.exclude(pk=upload.pk).get()
    assert second.column_map["5"] == "amount"


def test_running_upload_polls_and_shows_counts(supplier_a):
    client = supplier_a.browser()
    _post_file(client, _polish_file(2))
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.PROCESSING, total_rows=2, processed_rows=1, accepted=1
    )

    html = client.get(f"/suppliers/uploads/{upload.pk}/progress/").content.decode()

    assert 'hx-trigger="every 2s"' in html
    assert 'aria-valuenow="50"' in html


def test_mapping_without_required_columns_is_refused_on_the_page(supplier_a):
    client = supplier_a.browser()
    _post_file(client, _polish_file(1))
    upload = Upload.objects.get()

    response = client.post(f"/suppliers/uploads/{upload.pk}/columns/", {"col_0": "first_name"})

    assert response.status_code == 400
    assert "No column of the file is mapped to" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING_MAPPING


def test_two_columns_for_one_field_are_refused(supplier_a):
    client = supplier_a.browser()
    _post_file(client, _polish_file(1))
    upload = Upload.objects.get()

    response = client.post(
        f"/suppliers/uploads/{upload.pk}/columns/", {"col_0": "first_name", "col_6": "first_name"}
    )

    assert response.status_code == 400
    assert Upload.objects.get().status == UploadStatus.AWAITING_MAPPING


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"", 400), (b"\x00\x01\x02" * 100, 400)],
    ids=["empty", "binary"],
)
def test_bad_files_come_back_as_form_errors(supplier_a, content, status):
    response = _post_file(supplier_a.browser(), content)

    assert response.status_code == status
    assert response.context["form"].errors
    assert not Upload.objects.exists()


def test_too_large_file_is_413_on_the_page(supplier_a, settings):
    settings.UPLOAD_MAX_BYTES = 1024

    response = _post_file(supplier_a.browser(), _polish_file(30))

    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert not Upload.objects.exists()
