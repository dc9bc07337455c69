"""The error report: one CSV line per row that was not accepted, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from suppliers.uploads.models import Upload
from suppliers.uploads.selectors import upload_row_errors

# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    def write(self, value: str) -> str:
        return value


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def error_report_lines(upload: Upload) -> Iterator[str]:
    """UTF-8 with a BOM (Excel then reads it right): row, outcome, reasons, then the
    row's original cells under the file's own headers."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(["row", "outcome", "reasons", *map(_safe, upload.headers)])
    for error in upload_row_errors(upload=upload).iterator(chunk_size=2000):
        yield writer.writerow(
            [error.row_number, error.kind, "; ".join(error.reasons), *map(_safe, error.values)]
        )


def error_report_filename(upload: Upload) -> str:
    return f"upload-{upload.pk}-errors.csv"
