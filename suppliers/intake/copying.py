"""Storing a submission's new leads with PostgreSQL ``COPY``.

``bulk_create`` prepares every value through its field (about thirty a lead)
and sends one INSERT with thousands of parameters; most of an upload's
storing time was that preparation, a third of it Fernet encryption one value
at a time. Here each column gets one converter, encrypted columns are
encrypted in one ``encrypt_many`` call, and the rows go as ``COPY`` text. The
columns are the model's, so a field added to ``Lead`` is stored too (a type
without its own converter goes through the field's ``get_db_prep_save``).

A unique violation (a concurrent request stored one of the external ids
first) fails the whole COPY as it failed the INSERT, as the same
``IntegrityError``. Other databases (the SQLite demo) use ``bulk_create``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache

from django.db import connection, models

from marketplace.crypto import EncryptedTextField, encrypt_many
from marketplace.models import Lead
from marketplace.previews import preview_of
from suppliers.intake.validation import LeadDraft

_INSERT_BATCH = 500
COPY_FROM = 100  # leads in one submission
_sql_logger = logging.getLogger("django.db.backends")
# COPY's text format: backslash, newline, carriage return and tab are escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NULL = "\\N"
_JOINER = "\x00"


def _text(value: object) -> str:
    return str(value).translate(_ESCAPES)


def _converter(field: models.Field) -> Callable[[object], str]:
    if isinstance(field, models.JSONField) and field.encoder is None:
        return lambda value: json.dumps(value).translate(_ESCAPES)
    if isinstance(field, models.BooleanField):
        return lambda value: "t" if value else "f"
    if isinstance(field, models.DateTimeField):
        return lambda value: value.isoformat()
    if isinstance(field, models.UUIDField | models.IntegerField | models.ForeignKey):
        return str  # ids and numbers: nothing to escape
    if isinstance(field, models.CharField | models.TextField):
        return _text
    return lambda value: _text(field.get_db_prep_save(value, connection))


def _columns() -> list[models.Field]:
    return [field for field in Lead._meta.concrete_fields if not field.generated]


def leads_insert(leads: Sequence[Lead]) -> None:
    """Insert new leads (their ids and defaults set) in one COPY."""
    if connection.vendor != "postgresql" or len(leads) < COPY_FROM:
        Lead.objects.bulk_create(leads, batch_size=_INSERT_BATCH)
        return
    fields = _columns()
    columns = [
        _column_texts(field, [getattr(lead, field.attname) for lead in leads]) for field in fields
    ]
    _copy(fields, ["\t".join(row) for row in zip(*columns, strict=True)])
    for lead in leads:
        lead._state.adding = False
        lead._state.db = connection.alias


def _copy(fields: Sequence[models.Field], rows: Sequence[str]) -> None:
    """COPY rows (tab-separated texts of ``fields``) into the lead table, recorded and
    logged like any other statement."""
    body = io.StringIO("".join(row + "\n" for row in rows))
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"COPY {connection.ops.quote_name(Lead._meta.db_table)} ({names}) FROM STDIN"
    started = time.monotonic()
    try:
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.copy_expert(sql, body)
    finally:
        duration = time.monotonic() - started
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": f"{sql} -- {len(rows)} rows", "time": f"{duration:.3f}"}
            )
        _sql_logger.debug(
            "(%.3f) %s; rows=%d; alias=%s",
            duration,
            sql,
            len(rows),
            connection.alias,
            extra={"duration": duration, "sql": sql, "params": None, "alias": connection.alias},
        )


def _column_texts(field: models.Field, values: list) -> list[str]:
    if isinstance(field, EncryptedTextField):
        texts = encrypt_many([value or "" for value in values])
        return [_NULL if value is None else text for value, text in zip(values, texts, strict=True)]
    if isinstance(field, models.JSONField) and field.encoder is None:
        return _escaped([None if value is None else _json(value) for value in values])
    if isinstance(field, models.CharField | models.TextField):
        return _escaped([None if value is None else str(value) for value in values])
    convert = _converter(field)
    if isinstance(field, models.DateTimeField):
        # Mostly the same few values in a submission (its time, the consent's time):
        # each converted once, the offset in the key as it is in the text.
        return _once_each(convert, values, key=lambda value: (value, value.utcoffset()))
    if isinstance(field, models.IntegerField | models.ForeignKey):
        return _once_each(convert, values, key=lambda value: (type(value), value))
    return [_NULL if value is None else convert(value) for value in values]


def _once_each(
    convert: Callable[[object], str], values: list, *, key: Callable[[object], object]
) -> list[str]:
    texts: dict[object, str] = {}
    out = []
    for value in values:
        if value is None:
            out.append(_NULL)
            continue
        known = key(value)
        text = texts.get(known)
        if text is None:
            text = texts[known] = convert(value)
        out.append(text)
    return out


_json = json.JSONEncoder().encode  # json.dumps with its defaults, without the call


def _escaped(texts: list[str | None]) -> list[str]:
    """COPY text of each (None: NULL), escaped in one ``translate`` of the column
    joined by NUL (which PostgreSQL text cannot hold), split back after."""
    joined = _JOINER.join("" if text is None else text for text in texts)
    escaped = joined.translate(_ESCAPES).split(_JOINER)
    if len(escaped) != len(texts):  # a NUL in a value (or no values): one at a time
        escaped = ["" if text is None else text.translate(_ESCAPES) for text in texts]
    if None not in texts:
        return escaped
    return [_NULL if text is None else done for text, done in zip(texts, escaped, strict=True)]


# --- rows straight from validated drafts (uploads: no Lead instances) -----------------

# What judging decides; every other column is known once a lead is validated.
JUDGED = ("status", "rejection_reasons", "duplicate_of")
_DRAFT_FIELDS = frozenset(f.name for f in dataclasses.fields(LeadDraft))


def _fixed_fields() -> list[models.Field]:
    return [field for field in _columns() if field.name not in JUDGED]


def draft_rows(
    drafts: Sequence[LeadDraft], *, ids: Sequence[object], supplier_id: int, now: datetime
) -> list[str]:
    """The COPY text of each draft's columns that judging does not decide (``rows_insert``
    adds the rest): what ``leads_insert`` sends for a ``Lead`` built from the draft
    (``_new_lead``), without building it. Pure, so it can run in another process."""
    count = len(drafts)
    known = {
        "id": list(ids),
        "supplier_id": [supplier_id] * count,
        "segment_id": [draft.segment.pk for draft in drafts],
        "created_at": [now] * count,
        "preview": [preview_of(draft) for draft in drafts],
    }
    columns = []
    for field in _fixed_fields():
        values = known.get(field.attname)
        if values is None and field.name in _DRAFT_FIELDS:
            values = [getattr(draft, field.name) for draft in drafts]
        elif values is None:
            values = [field.get_default() for _ in drafts]
        columns.append(_column_texts(field, values))
    return ["\t".join(row) for row in zip(*columns, strict=True)]


def judged_text(*, status: str, reasons: Sequence[str], duplicate_of: object | None) -> str:
    """The COPY text of the judged columns (``JUDGED``'s order)."""
    verdict = _verdict_text(str(status), tuple(reasons))
    return f"{verdict}\t{_NULL if duplicate_of is None else duplicate_of}"


@lru_cache(maxsize=256)
def _verdict_text(status: str, reasons: tuple[str, ...]) -> str:
    """Status and reasons: a handful of combinations in all, each written once."""
    return f"{_text(status)}\t{json.dumps(list(reasons)).translate(_ESCAPES)}"


def rows_insert(rows: Sequence[str]) -> None:
    """Insert leads given as ``draft_rows`` text + tab + ``judged_text``, in one COPY."""
    if rows:
        by_name = {field.name: field for field in _columns()}
        _copy([*_fixed_fields(), *(by_name[name] for name in JUDGED)], rows)
