"""Building upload files in tests: CSV in any encoding and delimiter, XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

HEADERS = [
    "external_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "country",
    "consent_text",
    "consent_captured_at",
    "amount",
]
CONSENT = "I agree to be contacted about loan offers."
CAPTURED = "2026-11-20T10:00:00Z"


def pl_phone(n: int) -> str:
    """A distinct valid Polish mobile number per n (60x xxx xxx)."""
    return f"+48 60{n // 1_000_000 % 10}{n % 1_000_000:06d}"


def lead_row(n: int, **overrides: str) -> dict[str, str]:
    row = {
        "external_id": f"crm-{n}",
        "first_name": "Anna",
        "last_name": "Kowalska",
        "phone": pl_phone(n),
        "email": f"person{n}@example.pl",
        "country": "PL",
        "consent_text": CONSENT,
        "consent_captured_at": CAPTURED,
        "amount": "20000",
    }
    row.update(overrides)
    return row


def csv_bytes(
    rows: Sequence[dict[str, str]] | Sequence[Sequence[str]],
    *,
    headers: Sequence[str] = HEADERS,
    encoding: str = "utf-8",
    delimiter: str = ",",
    bom: bool = False,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers] if isinstance(row, dict) else row)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: Sequence[Sequence[object]], *, headers: Sequence[str] = HEADERS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
