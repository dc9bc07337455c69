"""Uploads speak the person's language: a refused file in the request's language, a
failure stored by the worker in the viewer's language (and in English for the API's
``failure_reason``), the error report's reasons in the uploader's language."""

from __future__ import annotations

import csv
import io
import pickle

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from suppliers.uploads import storage
from suppliers.uploads.errors import UploadFileError
from suppliers.uploads.models import Upload, UploadStatus
from suppliers.uploads.processing import upload_process
from tests.suppliers.helpers import assert_envelope
from tests.suppliers.uploads.conftest import UPLOADS_URL, create, send
from tests.suppliers.uploads.files import csv_bytes, lead_row

pytestmark = pytest.mark.django_db

GONE_EN = "The stored file is gone; upload it again."


def _post_page(client, content: bytes, language: str):
    return client.post(
        "/suppliers/uploads/",
        {"file": SimpleUploadedFile("leady.csv", content), "segment": "loans"},
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [("pl", "Plik jest pusty."), ("ru", "Файл пуст."), ("en", "The file is empty.")],
)
def test_a_blank_file_is_refused_on_the_page_in_the_request_language(supplier_a, language, message):
    response = _post_page(supplier_a.browser(), b"\n \n", language)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Upload.objects.exists()


def test_a_parameterised_refusal_is_translated_with_its_values(supplier_a, settings):
    settings.UPLOAD_MAX_ROWS = 2
    content = csv_bytes([lead_row(n) for n in range(1, 5)])

    response = _post_page(supplier_a.browser(), content, "pl")

    assert response.status_code == 413
    assert "Plik ma więcej niż 2 wierszy; podziel go na kilka." in response.content.decode()


def test_the_api_refuses_a_file_in_the_accept_language(supplier_a):
    polish = send(supplier_a, b"\x00\x01\x02" * 100, headers={"HTTP_ACCEPT_LANGUAGE": "pl"})
    english = send(supplier_a, b"\x00\x01\x02" * 100)

    error = assert_envelope(polish, status=422, code="validation_failed")
    assert error["message"] == "To nie jest plik CSV ani XLSX (zawiera dane binarne)."
    assert error["fields"]["file"] == [error["message"]]
    error = assert_envelope(english, status=422, code="validation_failed")
    assert error["message"] == "This is not a CSV or XLSX file (it holds binary data)."
    assert not Upload.objects.exists()


def test_a_bad_column_map_is_refused_in_the_accept_language(supplier_a):
    response = send(
        supplier_a,
        csv_bytes([lead_row(1)]),
        column_map="[1]",
        headers={"HTTP_ACCEPT_LANGUAGE": "pl"},
    )

    error = assert_envelope(response, status=422, code="validation_failed")
    assert error["message"] == "column_map musi być obiektem JSON: kolumna pliku → pole."
    assert error["fields"]["column_map"] == ['Oczekiwano JSON, np. {"Telefon": "phone"}.']
    assert not Upload.objects.exists()


def test_the_mapping_step_names_missing_fields_in_polish(supplier_a):
    client = supplier_a.browser()
    content = csv_bytes([["Anna", "x"]], headers=["Imię", "Uwagi"])
    assert _post_page(client, content, "pl").status_code == 302
    upload = Upload.objects.get()

    response = client.post(
        f"/suppliers/uploads/{upload.pk}/columns/",
        {"col_0": "first_name"},
        HTTP_ACCEPT_LANGUAGE="pl",
    )

    assert response.status_code == 400
    assert "Żadna kolumna pliku nie jest przypisana do: " in response.content.decode()
    assert Upload.objects.get().status == UploadStatus.AWAITING_MAPPING


def _failed_in_the_worker(supplier_a, language: str = "pl") -> Upload:
    """An upload made in ``language`` whose stored file is gone when the worker runs,
    the worker itself running in that language."""
    with translation.override(language):
        upload = create(supplier_a, csv_bytes([lead_row(1)]))
        storage.discard(upload.stored_name)
        assert upload_process(upload_id=upload.pk) == "failed"
    upload.refresh_from_db()
    return upload


def test_a_failure_stored_by_the_worker_is_english_msgid_and_text(supplier_a):
    upload = _failed_in_the_worker(supplier_a, "pl")

    assert upload.status == UploadStatus.FAILED
    assert upload.failure_reason == GONE_EN
    assert upload.failure_message == {"msgid": GONE_EN, "params": {}}
    assert upload.events.last().note == GONE_EN


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("pl", "Zapisanego pliku już nie ma; prześlij go ponownie."),
        ("ru", "Сохранённого файла больше нет; загрузите его снова."),  # noqa: RUF001
        ("ro", "Fișierul stocat nu mai există; încărcați-l din nou."),
        ("en", GONE_EN),
    ],
)
def test_a_stored_failure_is_shown_in_the_viewers_language(supplier_a, language, message):
    upload = _failed_in_the_worker(supplier_a, "pl")
    client = supplier_a.browser()

    for url in (f"/suppliers/uploads/{upload.pk}/", f"/suppliers/uploads/{upload.pk}/progress/"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        assert message in page.content.decode()


def test_the_apis_failure_reason_stays_english_whatever_the_language(supplier_a):
    upload = _failed_in_the_worker(supplier_a, "pl")

    response = supplier_a.api().get(f"{UPLOADS_URL}{upload.pk}/", HTTP_ACCEPT_LANGUAGE="pl")

    assert response.status_code == 200
    assert response.json()["failure_reason"] == GONE_EN


def test_a_failure_with_values_is_rendered_with_them(supplier_a, settings):
    settings.UPLOAD_MAX_ROWS = 2
    upload = create(supplier_a, csv_bytes([lead_row(1)]))
    Upload.objects.filter(pk=upload.pk).update(total_rows=None)  # counted by the worker
    storage.stored_path(upload.stored_name).write_bytes(
        csv_bytes([lead_row(n) for n in range(1, 5)])
    )

    assert upload_process(upload_id=upload.pk) == "failed"

    upload.refresh_from_db()
    assert upload.failure_reason == "The file has more than 2 rows; split it into several."
    page = supplier_a.browser().get(f"/suppliers/uploads/{upload.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "В файле больше 2 строк; разделите его на несколько." in page.content.decode()  # noqa: RUF001


def test_an_older_failure_without_its_msgid_shows_the_stored_text(supplier_a):
    upload = create(supplier_a, csv_bytes([lead_row(1)]))
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.FAILED, failure_reason="Something from before.", failure_message={}
    )

    page = supplier_a.browser().get(f"/suppliers/uploads/{upload.pk}/", HTTP_ACCEPT_LANGUAGE="pl")

    assert "Something from before." in page.content.decode()


def test_a_file_error_crossing_processes_keeps_its_msgid_and_values():
    with translation.override("pl"):
        error = UploadFileError(
            "Row %(row)s cannot be read as CSV: %(error)s.", {"row": 7, "error": "x"}
        )
        copy = pickle.loads(pickle.dumps(error))

    assert copy.text == error.text
    assert copy.text.english() == "Row 7 cannot be read as CSV: x."
    assert copy.message == "Wiersza 7 nie da się odczytać jako CSV: x."


def _report(actor, upload: Upload, language: str = "en") -> list[list[str]]:
    response = actor.api().get(
        f"{UPLOADS_URL}{upload.pk}/errors.csv", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_error_report_of_an_upload_made_in_polish_gives_polish_reasons(
    supplier_a, django_capture_on_commit_callbacks
):
    rows = [lead_row(1), lead_row(2, phone="12", email=""), lead_row(1)]
    with django_capture_on_commit_callbacks(execute=True):
        response = send(supplier_a, csv_bytes(rows), headers={"HTTP_ACCEPT_LANGUAGE": "pl"})

    assert response.status_code == 202, response.content
    upload = Upload.objects.get(pk=response.json()["id"])
    assert upload.language == "pl"
    assert upload.status == UploadStatus.DONE
    assert upload.reason_counts == {"phone": 1, "resent": 1}  # codes, not words
    for language in ("pl", "en"):  # written when processed, in the uploader's language
        by_row = {line[0]: line for line in _report(supplier_a, upload, language)[1:]}
        assert by_row["3"][1:3] == ["invalid", "phone: nieprawidłowy numer dla PL"]
        assert by_row["4"][1:3] == [
            "duplicate",
            "external_id: wysłany wcześniej; zachowany jest lead zapisany wtedy",
        ]


def test_the_error_report_of_an_upload_made_in_english_is_unchanged(
    supplier_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(supplier_a, csv_bytes([lead_row(1), lead_row(2, phone="12", email="")]))

    upload = Upload.objects.get(pk=response.json()["id"])
    report = _report(supplier_a, upload, "pl")
    assert report[1][:3] == ["3", "invalid", "phone: not a valid number for PL"]
