"""A person's opt-out reaches the upload files and error reports that hold their rows.

Files of finished uploads are not kept (``upload_finish`` discards them). A file still
waiting or being processed is needed to resume, so it is rewritten with the person's
rows blanked: every other row keeps its number, so the checkpoint and the report stay
right, and blank rows are skipped when read. The rewrite replaces the file atomically
(``os.replace``): a run reading the old file keeps its handle until its task ends;
whatever it then judges of the person is refused as suppressed and stored without
their cells (``processing``).

Rows are recognized by the blind indexes of their phone and email, normalized as
intake does; no plaintext of the person is needed.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Collection, Iterable
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast

from marketplace.crypto import blind_index
from suppliers.intake.normalization import NormalizationError, normalize_email, normalize_phone
from suppliers.uploads import reading, storage
from suppliers.uploads.errors import UploadFileError
from suppliers.uploads.models import Upload, UploadRowError, UploadStatus

logger = logging.getLogger(__name__)

KEPT_FILES = (UploadStatus.AWAITING_MAPPING, UploadStatus.QUEUED, UploadStatus.PROCESSING)


def _columns(upload: Upload) -> dict[str, int]:
    return {
        target: int(index)
        for index, target in upload.column_map.items()
        if target in ("phone", "email", "country")
    }


def _phone_index(raw: str, country: str) -> str | None:
    try:
        return blind_index("phone", normalize_phone(raw, country=country or "ZZ"))
    except NormalizationError:
        return None


def _email_index(raw: str) -> str | None:
    try:
        return blind_index("email", normalize_email(raw))
    except NormalizationError:
        return None


def row_indexes(cells: list[str], columns: dict[str, int]) -> set[str]:
    """The blind indexes of a row's phone and email, as intake would compute them. A
    file whose phone or email column is not mapped yet (waiting for its columns) has
    every cell that could be one tried instead."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return str(cells[index]).strip() if index is not None and index < len(cells) else ""

    country = cell("country").upper()
    texts = [str(value) for value in cells]
    phones = (
        [cell("phone")]
        if "phone" in columns
        else [text for text in texts if sum(ch.isdigit() for ch in text) >= 6]
    )
    emails = [cell("email")] if "email" in columns else [text for text in texts if "@" in text]
    found = {_phone_index(phone.strip(), country) for phone in phones if phone.strip()}
    found |= {_email_index(email.strip()) for email in emails if email.strip()}
    return {index for index in found if index}


def _rewrite_csv(path: Path, target: Path, upload: Upload, indexes: Collection[str]) -> int:
    info = reading.FileInfo(
        file_format=upload.file_format, encoding=upload.encoding, delimiter=upload.delimiter
    )
    columns, blanked = _columns(upload), 0
    with target.open("w", encoding=upload.encoding, newline="") as out:
        writer = csv.writer(out, delimiter=upload.delimiter, lineterminator="\r\n")
        for number, cells in enumerate(reading.records(path, info), start=1):
            if number > 1 and row_indexes(cells, columns) & set(indexes):
                cells, blanked = [""] * max(len(cells), 2), blanked + 1
            writer.writerow(cells)
    return blanked


def _rewrite_xlsx(path: Path, target: Path, upload: Upload, indexes: Collection[str]) -> int:
    from openpyxl import Workbook

    columns, blanked = _columns(upload), 0
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    for number, cells in enumerate(reading.xlsx_records(path), start=1):
        if number > 1 and row_indexes(cells, columns) & set(indexes):
            cells, blanked = [], blanked + 1
        sheet.append([str(cell) for cell in cells])  # formulas stay formulas ("=...")
    with target.open("wb") as out:
        workbook.save(out)
    return blanked


def upload_file_erase(*, upload_id: object, indexes: Collection[str]) -> int:
    """Blank the rows of a kept upload file whose phone or email has one of ``indexes``;
    how many were blanked. The file is replaced only when there was one."""
    upload = Upload.objects.filter(pk=upload_id, status__in=KEPT_FILES).first()
    if upload is None:
        return 0
    path = storage.stored_path(upload.stored_name)
    if not path.exists():
        return 0
    target = path.with_name(path.name + ".erasing")
    try:
        rewrite = _rewrite_xlsx if upload.file_format == "xlsx" else _rewrite_csv
        blanked = rewrite(path, target, upload, indexes)
        if blanked:
            os.replace(target, path)
    except UploadFileError:
        # Unreadable past some row: processing will fail on the same row and the file
        # will be discarded with the upload; the other files are still rewritten.
        logger.warning("opt-out: upload %s's file cannot be read to erase rows", upload.pk)
        return 0
    finally:
        target.unlink(missing_ok=True)
    if not Upload.objects.filter(pk=upload.pk, status__in=KEPT_FILES).exists():
        # Finished while we rewrote: it discarded the file we have just put back.
        storage.discard(upload.stored_name)
    logger.info("opt-out: %d rows blanked in upload %s", blanked, upload.pk)
    return blanked


def upload_files_erase(*, indexes: Collection[str]) -> int:
    """Every kept upload file: the person's rows blanked. Rows blanked in all."""
    return sum(
        upload_file_erase(upload_id=upload_id, indexes=indexes)
        for upload_id in Upload.objects.filter(status__in=KEPT_FILES).values_list("pk", flat=True)
    )


def _candidates(needles: Iterable[str]) -> QuerySet[UploadRowError]:
    """Rows whose cells contain one of the needles: digits (a phone's last digits, found
    in the cells' digits whatever the spacing) or text (an email, any case). PostgreSQL
    narrows in SQL; elsewhere (the SQLite demo) every row is a candidate."""
    rows = UploadRowError.objects.select_related("upload").only(
        "pk", "values", "upload__column_map"
    )
    if connection.vendor != "postgresql":
        return rows
    text = Cast("values", TextField())
    digits = Func(
        text,
        Value("[^0-9]"),
        Value(""),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    condition = Q(pk__in=[])
    for needle in {needle for needle in needles if needle}:
        condition |= Q(digits__contains=needle) if needle.isdigit() else Q(text__icontains=needle)
    return rows.annotate(text=text, digits=digits).filter(condition)


def phone_needle(phone: str) -> str:
    """The last digits of an E.164 number: in any way a person typed it, they are there."""
    return "".join(ch for ch in phone if ch.isdigit())[-7:]


@transaction.atomic
def upload_row_errors_erase(*, indexes: Collection[str], needles: Iterable[str]) -> int:
    """Blank the cells of error-report rows that are the person's; how many. ``needles``
    (``phone_needle`` of a phone, an email) pick the candidates; the blind indexes decide."""
    wiped = [
        error.pk
        for error in _candidates(needles).iterator(chunk_size=2000)
        if row_indexes(list(error.values), _columns(error.upload)) & set(indexes)
    ]
    return UploadRowError.objects.filter(pk__in=wiped).update(values=[])
