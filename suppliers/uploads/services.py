"""Uploads' state and processing.

A file is stored, inspected (format, encoding, delimiter, header, rows) and
mapped when it arrives; a Celery task then reads it in chunks. Each chunk's
rows become the API's lead dicts and go through ``lead_submit_many`` — the one
intake implementation — and the chunk's outcome (its leads, its rejected
rows, the counters and the checkpoint ``last_row``) commits in one
transaction. A task killed at any point therefore resumes right after the last
committed row: nothing lost, nothing stored twice. Each chunk re-checks the
checkpoint under the upload's row lock, so two runs of the same upload (a
redelivered message while the first still runs) cannot both store a chunk.

Uploads of one supplier run at most ``UPLOADS_PER_SUPPLIER`` at a time; the
others stay queued and are started when a slot frees.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplace.errors import ApplicationError, Forbidden, ValidationFailed
from marketplace.models import LeadStatus, Organization, RejectionReason, Segment, User
from suppliers.services import lead_submit_many
from suppliers.uploads import mapping, reading, storage
from suppliers.uploads.errors import UploadFileError, UploadTooLarge
from suppliers.uploads.models import (
    ColumnMemory,
    Upload,
    UploadEvent,
    UploadRowError,
    UploadRowKind,
    UploadStatus,
)

logger = logging.getLogger(__name__)

_REASON_TEXT = dict(RejectionReason.choices)
# Cells kept per rejected row in the report; longer cells are cut (marked with …).
MAX_REPORT_CELL = 2000
RESENT = "resent"


# --- creating -----------------------------------------------------------------------


def _segment(slug: object) -> Segment:
    segment = (
        Segment.objects.filter(slug=slug, is_active=True).first() if isinstance(slug, str) else None
    )
    if segment is None:
        raise ValidationFailed(
            "Choose an active segment.",
            fields={"segment": ["Unknown segment; see GET /api/v1/segments/."]},
        )
    return segment


def _memory(supplier: Organization) -> dict[str, str]:
    memory = ColumnMemory.objects.filter(supplier=supplier).first()
    return dict(memory.mapping) if memory else {}


def _remember(*, supplier: Organization, headers: list[str], mapped: Mapping[int, str]) -> None:
    memory, _created = ColumnMemory.objects.select_for_update().get_or_create(supplier=supplier)
    memory.mapping = mapping.memory_update(memory.mapping, headers, mapped)
    memory.updated_at = timezone.now()
    memory.save(update_fields=["mapping", "updated_at"])


def _event(upload: Upload, from_status: str, to_status: str, note: str = "") -> None:
    UploadEvent.objects.create(
        upload=upload, from_status=from_status, to_status=to_status, note=note[:2000]
    )


def _require_columns(mapped: Mapping[int, str]) -> None:
    missing = mapping.missing_required(mapped)
    if missing:
        raise UploadFileError(
            "No column of the file is mapped to: " + ", ".join(missing) + ".", field="column_map"
        )


def upload_create(
    *,
    supplier: Organization,
    segment_slug: object,
    chunks: Iterable[bytes],
    original_name: str = "",
    size_hint: int | None = None,
    column_map: Mapping[object, object] | None = None,
    created_by: User | None = None,
    await_mapping: bool = False,
) -> Upload:
    """Store and inspect a file of leads. Queued for processing unless
    ``await_mapping`` (the supplier's page confirms the columns first).

    Raises UploadTooLarge (413) past the size or row limit, UploadFileError or
    ValidationFailed (422) for a file, segment or column map we cannot use;
    nothing is kept then."""
    if not supplier.is_supplier:
        raise Forbidden("Uploads are for supplier organizations.")
    segment = _segment(segment_slug)
    max_bytes = settings.UPLOAD_MAX_BYTES
    if size_hint is not None and size_hint > max_bytes:
        raise UploadTooLarge(storage.too_large_message(max_bytes))
    stored_name, path, size = storage.store_chunks(chunks, max_bytes=max_bytes)
    try:
        info = reading.inspect(
            path,
            max_rows=settings.UPLOAD_MAX_ROWS,
            max_expanded_bytes=settings.UPLOAD_MAX_EXPANDED_BYTES,
        )
        if info.total_rows is not None and info.total_rows > settings.UPLOAD_MAX_ROWS:
            raise UploadTooLarge(
                f"The file has more than {settings.UPLOAD_MAX_ROWS:,} rows; split it into several."
            )
        mapped = mapping.auto_map(info.headers, segment=segment, memory=_memory(supplier))
        if column_map:
            mapped, problems = mapping.apply_column_map(
                info.headers, column_map, segment=segment, base=mapped
            )
            if problems:
                raise ValidationFailed(
                    "The column map names columns or fields that do not exist.",
                    fields={f"column_map.{header}": texts for header, texts in problems.items()},
                )
        if not await_mapping:
            _require_columns(mapped)
        with transaction.atomic():
            status = UploadStatus.AWAITING_MAPPING if await_mapping else UploadStatus.QUEUED
            upload = Upload.objects.create(
                supplier=supplier,
                segment=segment,
                created_by=created_by,
                status=status,
                original_name=(original_name or "")[:255],
                stored_name=stored_name,
                file_format=info.file_format,
                size_bytes=size,
                encoding=info.encoding,
                delimiter=info.delimiter,
                headers=info.headers,
                column_map={str(index): target for index, target in sorted(mapped.items())},
                total_rows=info.total_rows,
                last_row=info.header_row,
            )
            _event(upload, "", status)
            if not await_mapping:
                _remember(supplier=supplier, headers=info.headers, mapped=mapped)
                transaction.on_commit(lambda: enqueue(upload.pk))
    except BaseException:
        storage.discard(stored_name)
        raise
    logger.info(
        "upload created id=%s supplier=%s format=%s bytes=%d rows=%s",
        upload.pk,
        supplier.pk,
        upload.file_format,
        size,
        upload.total_rows,
    )
    return upload


@transaction.atomic
def upload_confirm_mapping(*, upload: Upload, choices: Mapping[int, str]) -> Upload:
    """The supplier's page: the columns as chosen (index → field); queue the upload."""
    locked = Upload.objects.select_for_update().get(pk=upload.pk)
    if locked.status != UploadStatus.AWAITING_MAPPING:
        raise ApplicationError("This upload's columns are already confirmed.", code="invalid_state")
    targets = {name for name, _label in mapping.field_choices(locked.segment)}
    mapped: dict[int, str] = {}
    for index, target in choices.items():
        if not target:
            continue
        if target not in targets or not 0 <= index < len(locked.headers):
            raise ValidationFailed("Unknown column or field.", fields={"column_map": [target]})
        if target in mapped.values():
            raise ValidationFailed(
                "Each field can come from one column only.",
                fields={"column_map": [f"{target} is chosen for two columns."]},
            )
        mapped[index] = target
    _require_columns(mapped)
    locked.column_map = {str(index): target for index, target in sorted(mapped.items())}
    locked.status = UploadStatus.QUEUED
    locked.save(update_fields=["column_map", "status"])
    _event(locked, UploadStatus.AWAITING_MAPPING, UploadStatus.QUEUED)
    _remember(supplier=locked.supplier, headers=locked.headers, mapped=mapped)
    transaction.on_commit(lambda: enqueue(locked.pk))
    return locked


def enqueue(upload_id: object) -> None:
    from suppliers.uploads.tasks import process_upload

    process_upload.apply_async(args=[str(upload_id)], queue=settings.UPLOADS_QUEUE or None)


# --- the per-supplier queue --------------------------------------------------------------


def upload_claim(*, upload_id: object) -> Upload | None:
    """The upload, ready to be processed by the caller; None when it is finished or
    must wait for one of its supplier's running uploads to end.

    Every active upload of the supplier is locked (in primary-key order) while
    deciding, so two claims cannot both take the last slot."""
    with transaction.atomic():
        supplier_id = (
            Upload.objects.filter(pk=upload_id).values_list("supplier_id", flat=True).first()
        )
        if supplier_id is None:
            return None
        active = list(
            Upload.objects.select_for_update()
            .filter(
                supplier_id=supplier_id,
                status__in=[UploadStatus.QUEUED, UploadStatus.PROCESSING],
            )
            .order_by("pk")
        )
        upload = next((item for item in active if str(item.pk) == str(upload_id)), None)
        if upload is None:
            return None
        if upload.status == UploadStatus.PROCESSING:
            return upload  # a resumed run: it holds its slot already
        running = sum(1 for item in active if item.status == UploadStatus.PROCESSING)
        if running >= settings.UPLOADS_PER_SUPPLIER:
            return None
        now = timezone.now()
        upload.status = UploadStatus.PROCESSING
        upload.started_at = upload.started_at or now
        upload.heartbeat_at = now
        upload.save(update_fields=["status", "started_at", "heartbeat_at"])
        _event(upload, UploadStatus.QUEUED, UploadStatus.PROCESSING)
        return upload


def _start_next(supplier_id: object) -> None:
    waiting = (
        Upload.objects.filter(supplier_id=supplier_id, status=UploadStatus.QUEUED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[: settings.UPLOADS_PER_SUPPLIER]
    )
    for upload_id in waiting:
        enqueue(upload_id)


def _finish(*, upload: Upload, status: str, reason: str = "") -> bool:
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status not in (
            UploadStatus.AWAITING_MAPPING,
            UploadStatus.QUEUED,
            UploadStatus.PROCESSING,
        ):
            return False
        previous = locked.status
        locked.status = status
        locked.failure_reason = reason[:2000]
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "failure_reason", "finished_at"])
        _event(locked, previous, status, reason)
        stored_name, supplier_id = locked.stored_name, locked.supplier_id
        # The report keeps what a person needs; the file with everyone's data goes.
        transaction.on_commit(lambda: storage.discard(stored_name))
        transaction.on_commit(lambda: _start_next(supplier_id))
    logger.info("upload %s id=%s %s", status, upload.pk, reason)
    return True


def upload_fail(*, upload: Upload, reason: str) -> bool:
    return _finish(upload=upload, status=UploadStatus.FAILED, reason=reason)


# --- processing --------------------------------------------------------------------------


def _batched(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _info(upload: Upload) -> reading.FileInfo:
    return reading.FileInfo(
        file_format=upload.file_format,
        encoding=upload.encoding,
        delimiter=upload.delimiter,
        headers=list(upload.headers),
        total_rows=upload.total_rows,
    )


def _count_rows(upload: Upload, path: Path) -> None:
    """XLSX without a trustworthy dimension: count before storing anything."""
    total = 0
    for _row in reading.data_rows(path, _info(upload), after=upload.last_row):
        total += 1
        if total > settings.UPLOAD_MAX_ROWS:
            raise UploadFileError(
                f"The file has more than {settings.UPLOAD_MAX_ROWS:,} rows; split it into several."
            )
    Upload.objects.filter(pk=upload.pk).update(total_rows=total)
    upload.total_rows = total


def upload_process(*, upload_id: object, time_budget: float | None = None) -> str:
    """Process an upload from its checkpoint: "done", "failed", "more" (the time
    budget ran out: run again), or "idle" (finished before, or waiting for a slot,
    or another run holds it)."""
    upload = upload_claim(upload_id=upload_id)
    if upload is None:
        return "idle"
    started = time.monotonic()
    try:
        path = storage.stored_path(upload.stored_name)
        if not path.exists():
            raise UploadFileError("The stored file is gone; upload it again.")
        if not upload.segment.is_active:
            raise UploadFileError("The segment was closed; choose another one.")
        if upload.total_rows is None and upload.processed_rows == 0:
            _count_rows(upload, path)
        plan = mapping.build_plan(
            segment=upload.segment,
            mapped={int(index): target for index, target in upload.column_map.items()},
            width=len(upload.headers),
        )
        segments = {upload.segment.slug: upload.segment}
        rows = reading.data_rows(path, _info(upload), after=upload.last_row)
        for chunk in _batched(rows, settings.UPLOAD_CHUNK_ROWS):
            if not _store_chunk(upload=upload, chunk=chunk, plan=plan, segments=segments):
                return "idle"
            if time_budget is not None and time.monotonic() - started > time_budget:
                return "more"
    except UploadFileError as exc:
        upload_fail(upload=upload, reason=exc.message)
        return "failed"
    _finish(upload=upload, status=UploadStatus.DONE)
    return "done"


def _cut(value: str) -> str:
    return value if len(value) <= MAX_REPORT_CELL else value[:MAX_REPORT_CELL] + "…"


def _field_name(name: str) -> str:
    """validate_lead's "consent.text" is the file's "consent_text"; attributes by name."""
    if name.startswith("attributes."):
        return name.split(".", 1)[1] or "attributes"
    return name.replace(".", "_")


def _invalid_reasons(error: ApplicationError) -> list[tuple[str, str]]:
    if not error.fields:
        return [("row", error.message)]
    return [
        (_field_name(name), f"{_field_name(name)}: {problem}")
        for name, problems in error.fields.items()
        for problem in problems
    ]


def _store_chunk(
    *,
    upload: Upload,
    chunk: list[tuple[int, list[str]]],
    plan: mapping.RowPlan,
    segments: Mapping[str, Segment],
) -> bool:
    """Judge and store one chunk, with its checkpoint, in one transaction. False when
    another run has moved the checkpoint past this chunk (or finished the upload)."""
    submitted: list[tuple[int, list[str]]] = []
    payloads: list[dict] = []
    outcomes: list[tuple[int, list[str], str, list[tuple[str, str]]]] = []
    for number, cells in chunk:
        payload, problems = mapping.row_to_payload(
            cells, plan, default_external_id=f"upload-{upload.pk}-row-{number}"
        )
        if problems:
            reasons = [
                (problem.split(":", 1)[0] if ":" in problem else "row", problem)
                for problem in problems
            ]
            outcomes.append((number, cells, UploadRowKind.INVALID, reasons))
        else:
            submitted.append((number, cells))
            payloads.append(payload)

    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != UploadStatus.PROCESSING or locked.last_row >= chunk[0][0]:
            return False
        results = lead_submit_many(supplier=upload.supplier, payloads=payloads, segments=segments)
        accepted = 0
        for (number, cells), item in zip(submitted, results, strict=True):
            if item.error is not None:
                outcomes.append(
                    (number, cells, UploadRowKind.INVALID, _invalid_reasons(item.error))
                )
                continue
            lead = item.result.lead
            if not item.result.created:
                outcomes.append(
                    (
                        number,
                        cells,
                        UploadRowKind.DUPLICATE,
                        [(RESENT, "external_id: sent before; the lead stored then is kept")],
                    )
                )
            elif lead.status == LeadStatus.REJECTED:
                codes = list(lead.rejection_reasons)
                kind = (
                    UploadRowKind.DUPLICATE
                    if codes == [RejectionReason.DUPLICATE]
                    else UploadRowKind.REJECTED
                )
                outcomes.append(
                    (
                        number,
                        cells,
                        kind,
                        [(code, str(_REASON_TEXT.get(code, code))) for code in codes],
                    )
                )
            else:
                accepted += 1
        counts: dict[str, int] = dict(locked.reason_counts)
        errors = []
        for number, cells, kind, reasons in outcomes:
            for key in dict.fromkeys(key for key, _text in reasons):
                counts[key] = counts.get(key, 0) + 1
            errors.append(
                UploadRowError(
                    upload=locked,
                    row_number=number,
                    kind=kind,
                    values=[_cut(str(cell)) for cell in cells],
                    reasons=[text for _key, text in reasons],
                )
            )
        UploadRowError.objects.bulk_create(errors, batch_size=1000)
        kinds = [kind for _n, _c, kind, _r in outcomes]
        locked.accepted += accepted
        locked.duplicates += kinds.count(UploadRowKind.DUPLICATE)
        locked.rejected += len(kinds) - kinds.count(UploadRowKind.DUPLICATE)
        locked.processed_rows += len(chunk)
        locked.last_row = chunk[-1][0]
        locked.reason_counts = counts
        locked.heartbeat_at = timezone.now()
        locked.save(
            update_fields=[
                "accepted",
                "duplicates",
                "rejected",
                "processed_rows",
                "last_row",
                "reason_counts",
                "heartbeat_at",
            ]
        )
    return True


def uploads_resume_stalled(*, now: Any = None) -> int:
    """Periodic: hand queued and processing uploads that have not moved for
    ``UPLOAD_STALE_SECONDS`` to a task again (their message was lost). A spare
    run is harmless: the claim and the checkpoint keep it from doing anything twice."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=settings.UPLOAD_STALE_SECONDS)
    stalled = list(
        Upload.objects.filter(status__in=[UploadStatus.QUEUED, UploadStatus.PROCESSING])
        .exclude(heartbeat_at__gte=cutoff)
        .filter(created_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    for upload_id in stalled:
        enqueue(upload_id)
    return len(stalled)
