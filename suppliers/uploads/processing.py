"""Processing an upload: its rows, chunk by chunk, through the intake service.

Each chunk's rows become the API's lead dicts, prepared by ``leads_prepare``
(validation and everything else that needs no database: ``prepare_chunk``,
optionally in a second process, see ``pipeline``) and judged and stored by
``lead_submit_prepared`` — the intake's one set of rules — and the chunk's
outcome (its leads, its rejected rows, the counters and the checkpoint
``last_row``) commits in one transaction. A task killed at any point therefore resumes right
after the last committed row: nothing lost, nothing stored twice. Each chunk
re-checks the checkpoint under the upload's row lock, so two runs of the same
upload (a redelivered message while the first still runs) cannot both store a
chunk. Between chunks the lead table is analysed once the upload has changed a
large share of it (``statistics``: the duplicate look-up's plan depends on it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from marketplace.errors import ApplicationError
from marketplace.models import LeadStatus, RejectionReason, Segment
from suppliers.intake.preparing import PreparedLead, leads_prepare
from suppliers.services import lead_submit_prepared
from suppliers.uploads import mapping, pipeline, reading, storage
from suppliers.uploads.errors import TOO_MANY_ROWS, UploadFileError
from suppliers.uploads.models import Upload, UploadRowError, UploadRowKind, UploadStatus
from suppliers.uploads.services import upload_claim, upload_fail, upload_finish
from suppliers.uploads.statistics import LeadStatistics

logger = logging.getLogger(__name__)
_REASON_TEXT = dict(RejectionReason.choices)
# Cells kept per rejected row in the report; longer cells are cut (marked with …).
MAX_REPORT_CELL = 2000
RESENT = "resent"


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
            raise UploadFileError(TOO_MANY_ROWS, {"limit": f"{settings.UPLOAD_MAX_ROWS:,}"})
    Upload.objects.filter(pk=upload.pk).update(total_rows=total)
    upload.total_rows = total


def upload_process(
    *, upload_id: object, time_budget: float | None = None, prepare_processes: int = 0
) -> str:
    """Process an upload from its checkpoint: "done", "failed", "more" (the time
    budget ran out: run again), or "idle" (finished before, or waiting for a slot,
    or another run holds it). With ``prepare_processes`` the chunks are prepared in
    that many forked children while this process stores (``pipeline``)."""
    upload = upload_claim(upload_id=upload_id)
    if upload is None:
        return "idle"
    # The rows' reasons (the error report) in the language of whoever uploaded the file.
    with translation.override(upload.language or None):
        return _process(upload, time_budget=time_budget, prepare_processes=prepare_processes)


def _process(upload: Upload, *, time_budget: float | None, prepare_processes: int) -> str:
    started = time.monotonic()
    try:
        path = storage.stored_path(upload.stored_name)
        if not path.exists():
            raise UploadFileError(gettext_noop("The stored file is gone; upload it again."))
        if not upload.segment.is_active:
            raise UploadFileError(gettext_noop("The segment was closed; choose another one."))
        if upload.total_rows is None and upload.processed_rows == 0:
            _count_rows(upload, path)
        plan = mapping.build_plan(
            segment=upload.segment,
            mapped={int(index): target for index, target in upload.column_map.items()},
            width=len(upload.headers),
        )
        segments = {upload.segment.slug: upload.segment}
        chunks = _chunks(upload=upload, path=path, plan=plan, segments=segments)
        if prepare_processes:
            chunks = _in_children_or_here(
                upload=upload, path=path, plan=plan, segments=segments, processes=prepare_processes
            )
        statistics = LeadStatistics()
        try:
            for prepared in chunks:
                if not _store_chunk(upload=upload, prepared=prepared, segments=segments):
                    return "idle"
                statistics.chunk_stored(len(prepared.leads))  # between chunks' transactions
                if time_budget is not None and time.monotonic() - started > time_budget:
                    return "more"
        finally:
            chunks.close()  # a child still preparing is stopped
    except UploadFileError as exc:
        upload_fail(upload=upload, reason=exc.text)
        return "failed"
    # An XLSX's declared dimension may have been wrong: the rows read are the total.
    Upload.objects.filter(pk=upload.pk, status=UploadStatus.PROCESSING).update(
        total_rows=F("processed_rows")
    )
    upload_finish(upload=upload, status=UploadStatus.DONE)
    return "done"


@dataclass(slots=True)
class PreparedChunk:
    """A chunk's rows after everything that needs no database (``prepare_chunk``)."""

    first_row: int
    last_row: int
    rows: int
    now: datetime
    invalid: list[tuple[int, list[str], list[tuple[str, str]]]]  # row, cells, reasons
    leads: list[tuple[int, list[str], PreparedLead]]


def _chunks(
    *,
    upload: Upload,
    path: Path,
    plan: mapping.RowPlan,
    segments: Mapping[str, Segment],
    share: int = 0,
    shares: int = 1,
) -> Iterator[PreparedChunk]:
    """The chunks after the checkpoint, prepared; with ``shares``, only every
    ``shares``-th from the ``share``-th (one preparing child's part)."""
    rows = reading.data_rows(path, _info(upload), after=upload.last_row)
    for number, chunk in enumerate(_batched(rows, settings.UPLOAD_CHUNK_ROWS)):
        if number % shares == share:
            yield prepare_chunk(chunk, plan=plan, segments=segments, upload=upload)


def _in_children_or_here(
    *,
    upload: Upload,
    path: Path,
    plan: mapping.RowPlan,
    segments: Mapping[str, Segment],
    processes: int,
) -> Iterator[PreparedChunk]:
    def produce(share: int, shares: int) -> Iterator[PreparedChunk]:
        return _chunks(
            upload=upload, path=path, plan=plan, segments=segments, share=share, shares=shares
        )

    try:
        yield from pipeline.in_children(produce, processes=processes)
    except pipeline.HelperLost:
        # Nothing they prepared is stored unless this process stored it: go on from
        # the checkpoint here.
        logger.warning("upload %s: a preparing process was lost; continuing without", upload.pk)
        yield from _chunks(upload=upload, path=path, plan=plan, segments=segments)


def prepare_chunk(
    chunk: list[tuple[int, list[str]]],
    *,
    plan: mapping.RowPlan,
    segments: Mapping[str, Segment],
    upload: Upload,
) -> PreparedChunk:
    """Map, validate and prepare one chunk's rows. Pure: no database access."""
    now = timezone.now()
    invalid: list[tuple[int, list[str], list[tuple[str, str]]]] = []
    submitted: list[tuple[int, list[str]]] = []
    payloads: list[dict] = []
    for number, cells in chunk:
        payload, problems = mapping.row_to_payload(
            cells, plan, default_external_id=f"upload-{upload.pk}-row-{number}"
        )
        if problems:
            reasons = [
                (problem.split(":", 1)[0] if ":" in problem else "row", problem)
                for problem in problems
            ]
            invalid.append((number, cells, reasons))
        else:
            submitted.append((number, cells))
            payloads.append(payload)
    leads: list[tuple[int, list[str], PreparedLead]] = []
    outcomes = leads_prepare(payloads, segments=segments, supplier_id=upload.supplier_id, now=now)
    for (number, cells), item in zip(submitted, outcomes, strict=True):
        if isinstance(item, PreparedLead):
            leads.append((number, cells, item))
            continue
        reasons = _invalid_reasons(item)
        if len(cells) < plan.width:  # say why the fields are missing
            reasons.insert(0, ("row", mapping.width_note(cells, plan)))
        invalid.append((number, cells, reasons))
    return PreparedChunk(
        first_row=chunk[0][0],
        last_row=chunk[-1][0],
        rows=len(chunk),
        now=now,
        invalid=invalid,
        leads=leads,
    )


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
    *, upload: Upload, prepared: PreparedChunk, segments: Mapping[str, Segment]
) -> bool:
    """Judge and store one prepared chunk, with its checkpoint, in one transaction. False
    when another run has moved the checkpoint past this chunk (or finished the upload)."""
    outcomes: list[tuple[int, list[str], str, list[tuple[str, str]]]] = [
        (number, cells, UploadRowKind.INVALID, reasons)
        for number, cells, reasons in prepared.invalid
    ]
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != UploadStatus.PROCESSING or locked.last_row >= prepared.first_row:
            return False
        verdicts = lead_submit_prepared(
            supplier=upload.supplier,
            prepared=[item for _n, _c, item in prepared.leads],
            segments=segments,
            now=prepared.now,
        )
        accepted = 0
        for (number, cells, _item), verdict in zip(prepared.leads, verdicts, strict=True):
            if verdict is None:
                outcomes.append(
                    (
                        number,
                        cells,
                        UploadRowKind.DUPLICATE,
                        [
                            (
                                RESENT,
                                "external_id: "
                                + gettext("sent before; the lead stored then is kept"),
                            )
                        ],
                    )
                )
            elif verdict.status == LeadStatus.REJECTED:
                codes = list(verdict.reasons)
                kind = (
                    UploadRowKind.DUPLICATE
                    if codes == [RejectionReason.DUPLICATE]
                    else UploadRowKind.REJECTED
                )
                if RejectionReason.SUPPRESSED in codes:
                    cells = []  # the person opted out: the report keeps none of their data
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
        for number, cells, kind, reasons in sorted(outcomes, key=lambda outcome: outcome[0]):
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
        locked.processed_rows += prepared.rows
        locked.last_row = prepared.last_row
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
    upload.last_row = prepared.last_row  # where a run without the child goes on from
    return True
