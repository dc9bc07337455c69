"""Uploads' state: creating one from a file, confirming its columns, the
per-supplier queue, and finishing. Reading the rows is ``processing``'s.

A file is stored, inspected (format, encoding, delimiter, header, rows) and
mapped when it arrives; refused files leave nothing behind. Uploads of one
supplier run at most ``UPLOADS_PER_SUPPLIER`` at a time; the others stay
queued and are started when a slot frees. Every transition is an
``UploadEvent`` row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketplace.errors import ApplicationError, Forbidden, ValidationFailed
from marketplace.models import Organization, Segment, User
from suppliers.uploads import background, mapping, reading, storage
from suppliers.uploads.errors import TOO_MANY_ROWS, UploadFileError, UploadMessage, UploadTooLarge
from suppliers.uploads.models import (
    ColumnMemory,
    Upload,
    UploadEvent,
    UploadStatus,
)

logger = logging.getLogger(__name__)


# --- creating -----------------------------------------------------------------------


def _segment(slug: object) -> Segment:
    segment = (
        Segment.objects.filter(slug=slug, is_active=True).first() if isinstance(slug, str) else None
    )
    if segment is None:
        raise ValidationFailed(
            _("Choose an active segment."),
            fields={"segment": [_("Unknown segment; see GET /api/v1/segments/.")]},
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
            # Translators: fields is a list of field names such as "external_id, phone".
            gettext_noop("No column of the file is mapped to: %(fields)s."),
            {"fields": ", ".join(missing)},
            field="column_map",
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
        raise Forbidden(_("Uploads are for supplier organizations."))
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
            raise UploadTooLarge(_(TOO_MANY_ROWS) % {"limit": f"{settings.UPLOAD_MAX_ROWS:,}"})
        mapped = mapping.auto_map(info.headers, segment=segment, memory=_memory(supplier))
        if column_map:
            mapped, problems = mapping.apply_column_map(
                info.headers, column_map, segment=segment, base=mapped
            )
            if problems:
                raise ValidationFailed(
                    _("The column map names columns or fields that do not exist."),
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
                language=(translation.get_language() or "")[:16],
            )
            _event(upload, "", status)
            if not await_mapping:
                _remember(supplier=supplier, headers=info.headers, mapped=mapped)
                transaction.on_commit(lambda: enqueue(upload.pk), robust=True)
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
        raise ApplicationError(
            _("This upload's columns are already confirmed."), code="invalid_state"
        )
    targets = {name for name, _label in mapping.field_choices(locked.segment)}
    mapped: dict[int, str] = {}
    for index, target in choices.items():
        if not target:
            continue
        if target not in targets or not 0 <= index < len(locked.headers):
            raise ValidationFailed(_("Unknown column or field."), fields={"column_map": [target]})
        if target in mapped.values():
            raise ValidationFailed(
                _("Each field can come from one column only."),
                fields={
                    "column_map": [
                        # Translators: field is a lead field's name such as phone.
                        _("%(field)s is chosen for two columns.") % {"field": target}
                    ]
                },
            )
        mapped[index] = target
    _require_columns(mapped)
    locked.column_map = {str(index): target for index, target in sorted(mapped.items())}
    locked.status = UploadStatus.QUEUED
    locked.save(update_fields=["column_map", "status"])
    _event(locked, UploadStatus.AWAITING_MAPPING, UploadStatus.QUEUED)
    _remember(supplier=locked.supplier, headers=locked.headers, mapped=mapped)
    transaction.on_commit(lambda: enqueue(locked.pk), robust=True)
    return locked


def enqueue(upload_id: object) -> None:
    from suppliers.uploads.tasks import process_upload

    if settings.UPLOADS_IN_THREAD and process_upload.app.conf.task_always_eager:
        # No broker: run in a thread of this process, not inside the request.
        background.upload_run_in_thread(str(upload_id))
        return
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


def upload_finish(*, upload: Upload, status: str, reason: UploadMessage | None = None) -> bool:
    """``reason`` (a failure's) is stored in English in ``failure_reason`` and as its
    msgid and parameters in ``failure_message``, for the page to render in the viewer's
    language."""
    english = reason.english() if reason is not None else ""
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
        locked.failure_reason = english[:2000]
        locked.failure_message = reason.as_json() if reason is not None else {}
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "failure_reason", "failure_message", "finished_at"])
        _event(locked, previous, status, english)
        stored_name, supplier_id = locked.stored_name, locked.supplier_id
        # The report keeps what a person needs; the file with everyone's data goes.
        transaction.on_commit(lambda: storage.discard(stored_name), robust=True)
        transaction.on_commit(lambda: _start_next(supplier_id), robust=True)
    logger.info("upload %s id=%s %s", status, upload.pk, english)
    return True


def upload_fail(*, upload: Upload, reason: UploadMessage) -> bool:
    return upload_finish(upload=upload, status=UploadStatus.FAILED, reason=reason)


def uploads_resume_stalled(*, now: Any = None) -> int:
    """Periodic: hand queued and processing uploads that have not moved for
    ``UPLOAD_STALE_SECONDS`` to a task again (their message was lost). A spare
    run is harmless: the claim and the checkpoint keep it from doing anything twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.UPLOAD_STALE_SECONDS)
    stalled = list(
        Upload.objects.filter(status__in=[UploadStatus.QUEUED, UploadStatus.PROCESSING])
        .exclude(heartbeat_at__gte=cutoff)
        .filter(created_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    for upload_id in stalled:
        enqueue(upload_id)
    return len(stalled)


# Files waiting for their column mapping longer than this are dropped.
ABANDONED_AFTER = timedelta(days=1)


def uploads_discard_abandoned(*, now: Any = None) -> int:
    """Periodic: a file whose columns were never confirmed is not kept (personal data)."""
    now = now or timezone.now()
    abandoned = Upload.objects.filter(
        status=UploadStatus.AWAITING_MAPPING, created_at__lt=now - ABANDONED_AFTER
    )
    count = 0
    for upload in abandoned:
        count += upload_fail(
            upload=upload,
            reason=UploadMessage(
                gettext_noop("The columns were never confirmed; upload the file again.")
            ),
        )
    return count
