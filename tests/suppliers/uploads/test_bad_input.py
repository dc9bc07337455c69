"""Files we cannot take: a clear 4xx in the envelope (nothing stored), or per-row
reasons; never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest

from marketplace.api.middleware import body_limit_for
from marketplace.models import Lead
from suppliers.uploads.models import Upload, UploadRowError, UploadStatus
from suppliers.uploads.processing import upload_process
from tests.suppliers.helpers import assert_envelope
from tests.suppliers.uploads.conftest import UPLOADS_URL, create, send
from tests.suppliers.uploads.files import HEADERS, csv_bytes, lead_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _nothing_kept(uploads_dir) -> None:
    assert not Upload.objects.exists()
    assert not Lead.objects.exists()
    assert not uploads_dir.exists() or not any(uploads_dir.iterdir())


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (bytes(range(256)) * 40, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, ".xls"),
        (b"\xff\xfef\x00i\x00r\x00", "UTF-16"),
        (csv_bytes([]), "no leads"),
        (b"PK\x03\x04" + b"garbage" * 100, "not a valid XLSX"),
        (_zip({"hello.txt": b"hi"}), "not an XLSX"),
        (_zip({"xl/workbook.xml": b"<broken"}), "damaged"),
    ],
    ids=[
        "empty",
        "blank-lines",
        "binary",
        "png-renamed",
        "old-xls",
        "utf16",
        "header-only",
        "broken-zip",
        "zip-not-xlsx",
        "broken-workbook",
    ],
)
def test_unusable_files_are_refused_with_a_reason_and_nothing_kept(
    supplier_a, uploads_dir, content, message
):
    response = send(supplier_a, content)

    error = assert_envelope(response, status=422, code="validation_failed")
    assert message.lower() in error["fields"]["file"][0].lower()
    _nothing_kept(uploads_dir)


def test_zip_bomb_is_refused_from_its_directory(supplier_a, uploads_dir, settings):
    settings.UPLOAD_MAX_EXPANDED_BYTES = 5 * 1024 * 1024
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(8 << 20)})
    assert len(bomb) < 100_000

    response = send(supplier_a, bomb, name="leads.xlsx")

    error = assert_envelope(response, status=422)
    assert "would expand to more than 5 MB" in error["message"]
    _nothing_kept(uploads_dir)


def test_suspicious_compression_ratio_is_refused(supplier_a, uploads_dir):
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/sharedStrings.xml": bytes(30 << 20)})

    response = send(supplier_a, bomb, name="leads.xlsx")

    error = assert_envelope(response, status=422)
    assert "zip bomb" in error["message"]
    _nothing_kept(uploads_dir)


def test_xml_entity_bomb_in_a_workbook_is_refused(supplier_a, uploads_dir):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
            for n in range(1, 10)
        )
        + b']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheets><sheet name='&lol9;' sheetId='1'/></sheets></workbook>"
    )

    response = send(supplier_a, _zip({"xl/workbook.xml": laughs}), name="leads.xlsx")

    error = assert_envelope(response, status=422)
    assert "damaged" in error["message"]
    _nothing_kept(uploads_dir)


def test_file_over_the_size_limit_is_413(supplier_a, uploads_dir, settings):
    settings.UPLOAD_MAX_BYTES = 2048

    response = send(supplier_a, csv_bytes([lead_row(n) for n in range(40)]))

    assert_envelope(response, status=413, code="too_large")
    _nothing_kept(uploads_dir)


def test_file_over_the_row_limit_is_413(supplier_a, uploads_dir, settings):
    settings.UPLOAD_MAX_ROWS = 3

    response = send(supplier_a, csv_bytes([lead_row(n) for n in range(4)]))

    error = assert_envelope(response, status=413, code="too_large")
    assert "3 rows" in error["message"]
    _nothing_kept(uploads_dir)


def test_uploads_route_alone_accepts_bodies_past_the_json_limit(supplier_a, settings):
    settings.API_MAX_BODY_BYTES = 4096
    settings.API_LARGE_BODY_PATHS = {UPLOADS_URL: settings.UPLOAD_MAX_BYTES + 1024 * 1024}
    content = csv_bytes([lead_row(n) for n in range(60)])
    assert len(content) > 4096

    accepted = send(supplier_a, content)
    refused = supplier_a.api().post(
        "/api/v1/leads/batch/", {"leads": [lead_row(n) for n in range(60)]}, format="json"
    )

    assert accepted.status_code == 202, accepted.content
    assert_envelope(refused, status=413, code="too_large")


def test_default_upload_body_limit_is_50_mb_on_the_uploads_route_only():
    assert body_limit_for(UPLOADS_URL) == 51 * 1024 * 1024
    assert body_limit_for("/api/v1/leads/") == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"segment": "no-such-segment"}, "segment"),
        ({"column_map": "{not json"}, "column_map"),
        ({"column_map": '["phone"]'}, "column_map"),
        ({"column_map": '{"Nope": "phone"}'}, "column_map.Nope"),
        ({"column_map": '{"phone": "shoe_size"}'}, "column_map.phone"),
        ({"column_map": '{"phone": null, "email": null}'}, "column_map"),
    ],
)
def test_bad_segment_or_column_map_is_422(supplier_a, uploads_dir, data, field):
    response = send(supplier_a, csv_bytes([lead_row(1)]), **data)

    error = assert_envelope(response, status=422)
    assert field in error["fields"], error
    _nothing_kept(uploads_dir)


def test_unmapped_required_columns_are_named(supplier_a, uploads_dir):
    content = csv_bytes([["Anna", "x"]], headers=["Imię", "Notatki"])

    response = send(supplier_a, content)

    error = assert_envelope(response, status=422)
    assert error["fields"]["column_map"] == [
        "No column of the file is mapped to: country, consent_text, consent_captured_at, "
        "phone or email."
    ]
    _nothing_kept(uploads_dir)


def test_post_without_a_file_is_422(supplier_a):
    response = supplier_a.api().post(UPLOADS_URL, {"segment": "loans"}, format="multipart")

    error = assert_envelope(response, status=422)
    assert error["fields"] == {"file": ["This field is required."]}


def test_malformed_rows_get_their_own_reasons(supplier_a):
    long = "x" * 10_000
    rows = [
        [*lead_row(1).values(), "surplus"],  # row 2: an extra cell
        list(lead_row(2).values())[:3],  # row 3: cells missing
        list(lead_row(3, first_name=long).values()),  # row 4: 10,000 characters
        list(lead_row(4).values()),  # row 5: fine
    ]
    upload = create(supplier_a, csv_bytes(rows))

    assert upload_process(upload_id=upload.pk) == "done"

    upload.refresh_from_db()
    assert (upload.accepted, upload.rejected) == (1, 3)
    reasons = dict(UploadRowError.objects.values_list("row_number", "reasons"))
    assert reasons[2] == [f"the row has {len(HEADERS) + 1} cells but the header has 9 columns"]
    assert reasons[3][0] == "the row has 3 cells but the header has 9 columns"
    assert "phone: Give a phone or an email (or both)." in reasons[3]
    assert "country: This field is required (ISO 3166 code such as PL)." in reasons[3]
    assert reasons[4] == ["first_name: At most 100 characters."]
    kept = UploadRowError.objects.get(row_number=4).values[1]
    assert len(kept) == 2001
    assert kept.endswith("…")


def test_xlsx_values_formulas_and_numbers(supplier_a):
    from datetime import datetime

    rows = [
        [
            "x-1",
            "Anna",
            "Nowak",
            48601234001,
            "",
            "PL",
            "I agree",
            datetime(2026, 11, 20, 10),
            20000,
        ],
        ["x-2", "=B2&C2", "Nowak", 48601234002, "", "PL", "I agree", "2026-11-20T10:00:00Z", 1],
        ["x-3", "Łucja", "Żak", "+48 601 234 003", "", "PL", "I agree", "2026-11-20", "=1+1"],
    ]
    upload = create(supplier_a, xlsx_bytes(rows), name="leads.xlsx")

    assert upload.file_format == "xlsx"
    assert upload_process(upload_id=upload.pk) == "done"

    upload.refresh_from_db()
    assert upload.accepted == 1
    assert upload.total_rows == upload.processed_rows == 3
    stored = Lead.objects.get()
    assert (stored.external_id, stored.phone) == ("x-1", "+48601234001")
    reasons = dict(UploadRowError.objects.values_list("row_number", "reasons"))
    assert reasons[3] == ["first_name: a formula (=B2&C2); save the sheet with values"]
    assert reasons[4] == ["amount: a formula (=1+1); save the sheet with values"]


def test_an_unexpected_error_fails_the_upload_with_a_reason(supplier_a, monkeypatch):
    from suppliers.uploads import processing
    from suppliers.uploads.tasks import process_upload

    upload = create(supplier_a, csv_bytes([lead_row(1)]))

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(processing, "lead_submit_prepared", explode)
    outcome = process_upload.apply(args=[str(upload.pk)]).get()

    upload.refresh_from_db()
    assert outcome == "failed"
    assert upload.status == UploadStatus.FAILED
    assert "unexpected error" in upload.failure_reason
    assert not Lead.objects.exists()


def test_other_suppliers_uploads_are_not_found(supplier_a, supplier_b):
    upload = create(supplier_a, csv_bytes([lead_row(1)]))

    for url in (f"{UPLOADS_URL}{upload.pk}/", f"{UPLOADS_URL}{upload.pk}/errors.csv"):
        assert_envelope(supplier_b.api().get(url), status=404)
    assert_envelope(supplier_a.api().get(f"{UPLOADS_URL}not-a-uuid/"), status=404)
