"""Opening an uploaded file: what it is (CSV or XLSX), how its text is encoded,
which delimiter it uses, and its rows as lists of strings, streamed.

Excel's habits are the norm: UTF-8 with or without BOM, Windows-1251 for
Cyrillic, Windows-1250 or ISO-8859-2 for Polish and Romanian; comma, semicolon
or tab. XLSX is read with openpyxl in read-only (streaming) mode after its zip
directory has been checked, so a zip bomb is refused before anything expands.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from suppliers.uploads.errors import UploadFileError

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
# Real spreadsheets compress 5-50x; bombs compress thousands of times.
MAX_COMPRESSION_RATIO = 500
# Letters of the languages our suppliers write in Windows-1250 / ISO-8859-2.
_PREFERRED_LATIN = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻăâîşţĂÂÎŞŢșțȘȚéáíúýčďěňřšťžůäöüÉÁÍÚÝČĎĚŇŘŠŤŽŮÄÖÜ")
_RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")


class Formula(str):
    """An XLSX cell holding a formula: its text, which is not a value we can take."""


@dataclass(frozen=True)
class FileInfo:
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    header_row: int = 1  # blank lines may come before the header
    # Non-blank data rows; None when only the worker can count them (XLSX without dimension).
    total_rows: int | None = None


# --- what is it --------------------------------------------------------------------


def detect_format(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        raise UploadFileError(
            gettext_noop(
                "Old Excel (.xls) files are not supported: save the sheet as .xlsx or CSV."
            )
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UploadFileError(
            gettext_noop("The file is UTF-16 text: save it as CSV UTF-8 instead.")
        )
    if _looks_binary(head):
        raise UploadFileError(
            gettext_noop("This is not a CSV or XLSX file (it holds binary data).")
        )
    return "csv"


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13))
    return controls > max(2, len(sample) // 100)


# --- encoding and delimiter --------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (±BOM) when the bytes decode as UTF-8, else the likeliest single-byte
    code page, judged on the first stretch of the file with non-ASCII bytes."""
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
        if sample.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        while sample and sample.isascii():
            sample = raw.read(SAMPLE_BYTES)
    if not sample:
        return "utf-8"
    return guess_encoding(sample)


def guess_encoding(sample: bytes) -> str:
    try:
        # Incremental: a sample cut in the middle of a character is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    candidates = {"cp1251": _cyrillic_score(sample)}
    for encoding in ("cp1250", "iso-8859-2"):
        candidates[encoding] = _latin_score(sample, encoding)
    return max(candidates, key=lambda encoding: candidates[encoding])


def _words(text: str) -> list[str]:
    return [word for word in re.findall(r"[^\W\d_]+", text) if not word.isascii()]


def _cyrillic_score(sample: bytes) -> float:
    """How much the sample, read as Windows-1251, looks like Russian: Russian letters
    score; symbols, and words mixing Latin and Cyrillic letters (Polish "Łódź" read
    as 1251), do not."""
    try:
        text = sample.decode("cp1251")
    except UnicodeDecodeError:
        return float("-inf")
    score = 0.0
    for word in _words(text):
        cyrillic = sum(1 for char in word if "\u0400" <= char <= "\u04ff")
        if cyrillic < len(word):  # Latin letters in a Cyrillic word: the wrong code page
            score -= 3 * cyrillic
            continue
        score += sum(2 if char in _RUSSIAN else 0.5 for char in word)
    return score + _symbol_penalty(text)


def _latin_score(sample: bytes, encoding: str) -> float:
    """How much the sample looks like Polish or Romanian in this code page: their
    letters score; symbols, and long words without a single ASCII letter, do not."""
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError:
        return float("-inf")
    score = 0.0
    for word in _words(text):
        for char in word:
            if char.isascii():
                continue
            score += 2 if char in _PREFERRED_LATIN else 1
        if len(word) >= 5 and not any(char.isascii() for char in word):
            score -= 2 * len(word)
    return score + _symbol_penalty(text)


def _symbol_penalty(text: str) -> float:
    return -3.0 * sum(1 for char in text if not char.isascii() and not char.isalpha())


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most columns, consistently."""
    lines = text.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the sample may end in the middle of a line
    lines = lines[:50]
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = width * sum(1 for row in rows if len(row) == width) / len(rows)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _text_sample(path: Path, encoding: str) -> str:
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)


# --- rows ------------------------------------------------------------------------------


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def csv_records(path: Path, *, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """Every record of a CSV file (header first), as lists of strings."""
    number = 0
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for number, record in enumerate(reader, start=1):  # noqa: B007
                yield record
        except UnicodeDecodeError:
            raise UploadFileError(
                # Translators: encoding is a name such as utf-8 or cp1250.
                gettext_noop(
                    "The file is not valid %(encoding)s text after row %(row)s: "
                    "save it again in one encoding (UTF-8 is best)."
                ),
                {"encoding": encoding, "row": number},
            ) from None
        except csv.Error as exc:
            raise UploadFileError(
                # Translators: error is Python's csv module's own (English) explanation.
                gettext_noop("Row %(row)s cannot be read as CSV: %(error)s."),
                {"row": number + 1, "error": str(exc)},
            ) from None


def check_zip(path: Path, *, max_expanded_bytes: int) -> None:
    """Refuse an XLSX that is not a zip, not a workbook, or would expand past the limit,
    from its zip directory alone (nothing is decompressed here)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadFileError(
            gettext_noop("The file is not a valid XLSX workbook (a broken zip).")
        ) from None
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise UploadFileError(gettext_noop("The file is a zip archive but not an XLSX workbook."))
    expanded = 0
    limit_mb = max_expanded_bytes // (1024 * 1024)
    for member in members:
        expanded += member.file_size
        if expanded > max_expanded_bytes:
            raise UploadFileError(
                gettext_noop(
                    "The workbook would expand to more than %(limit)s MB: refused. "
                    "Split it, or upload it as CSV."
                ),
                {"limit": limit_mb},
            )
        if member.file_size > 1024 * 1024 and (
            member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise UploadFileError(
                gettext_noop("The workbook is compressed suspiciously well (a zip bomb?): refused.")
            )


def _cell_text(cell: object) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if getattr(cell, "data_type", "") == "f":
        return Formula(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _open_workbook(path: Path) -> tuple[BinaryIO, Any]:
    """openpyxl in read-only (streaming) mode; formulas kept as formulas. A file
    object, not a path: stored files have no extension for openpyxl to check."""
    from openpyxl import load_workbook

    handle = path.open("rb")
    try:
        return handle, load_workbook(handle, read_only=True, data_only=False)
    except Exception:  # hostile or broken input: any parser error means "unreadable"
        handle.close()
        raise UploadFileError(
            gettext_noop("The XLSX workbook cannot be opened: it is damaged.")
        ) from None


def xlsx_records(path: Path) -> Iterator[list[str]]:
    """Every row of the workbook's first sheet (header first), as lists of strings.
    Formula cells come as ``Formula`` strings; trailing empty cells are dropped."""
    handle, workbook = _open_workbook(path)
    number = 0
    try:
        if not workbook.worksheets:
            raise UploadFileError(gettext_noop("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        try:
            for number, row in enumerate(sheet.iter_rows(), start=1):  # noqa: B007
                cells = [_cell_text(cell) for cell in row]
                while cells and cells[-1] == "":
                    cells.pop()
                yield cells
        except UploadFileError:
            raise
        except Exception:  # a damaged sheet part
            raise UploadFileError(
                gettext_noop(
                    "The XLSX workbook is damaged after row %(row)s; nothing after it can be read."
                ),
                {"row": number},
            ) from None
    finally:
        workbook.close()
        handle.close()


def xlsx_declared_rows(path: Path) -> int | None:
    """The first sheet's row count as its dimension declares it (no rows are read)."""
    handle, workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise UploadFileError(gettext_noop("The workbook has no sheet."))
        try:
            return sheet.max_row if sheet.max_row and sheet.max_row > 1 else None
        except Exception:
            return None
    finally:
        workbook.close()
        handle.close()


def records(path: Path, info: FileInfo) -> Iterator[list[str]]:
    if info.file_format == "xlsx":
        return xlsx_records(path)
    return csv_records(path, encoding=info.encoding, delimiter=info.delimiter)


def data_rows(path: Path, info: FileInfo, *, after: int) -> Iterator[tuple[int, list[str]]]:
    """(row number in the file, cells) of each non-blank row after row ``after`` (the
    header's row, or the checkpoint)."""
    for number, cells in enumerate(records(path, info), start=1):
        if number <= after or _is_blank(cells):
            continue
        yield number, cells


def inspect(path: Path, *, max_rows: int, max_expanded_bytes: int) -> FileInfo:
    """What the file is, its header and its size in rows; raises UploadFileError with
    a message for a person when it cannot be used."""
    with path.open("rb") as raw:
        head = raw.read(SAMPLE_BYTES)
    if not head.strip():
        raise UploadFileError(gettext_noop("The file is empty."))
    file_format = detect_format(head)
    if file_format == "xlsx":
        check_zip(path, max_expanded_bytes=max_expanded_bytes)
        info = FileInfo(file_format="xlsx")
        declared = xlsx_declared_rows(path)
        total = None if declared is None else declared - 1
    else:
        encoding = detect_encoding(path)
        delimiter = detect_delimiter(_text_sample(path, encoding))
        info = FileInfo(file_format="csv", encoding=encoding, delimiter=delimiter)
        total = None
    rows = iter(records(path, info))
    header: list[str] | None = None
    header_row = 0
    for header_row, cells in enumerate(rows, start=1):  # noqa: B007
        if not _is_blank(cells):
            header = [cell.strip() for cell in cells]
            break
    if header is None:
        raise UploadFileError(gettext_noop("The file has no rows at all."))
    if info.file_format == "csv":
        total = 0
        for cells in rows:
            if not _is_blank(cells):
                total += 1
                if total > max_rows:
                    break
    else:
        has_data = any(not _is_blank(cells) for cells in rows)
        if not has_data:
            total = 0
    if total == 0:
        raise UploadFileError(gettext_noop("The file has a header row but no leads under it."))
    return FileInfo(
        file_format=info.file_format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        headers=header,
        header_row=header_row,
        total_rows=total,
    )
