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

import io
import json
import logging
import time
from collections.abc import Callable, Sequence

from django.db import connection, models

from marketplace.crypto import EncryptedTextField, encrypt_many
from marketplace.models import Lead

_INSERT_BATCH = 500
COPY_FROM = 100  # leads in one submission
_sql_logger = logging.getLogger("django.db.backends")
# COPY's text format: backslash, newline, carriage return and tab are escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NULL = "\\N"


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
    columns: list[list[str]] = []
    for field in fields:
        values = [getattr(lead, field.attname) for lead in leads]
        if isinstance(field, EncryptedTextField):
            texts = encrypt_many([value or "" for value in values])
            columns.append(
                [
                    _NULL if value is None else text
                    for value, text in zip(values, texts, strict=True)
                ]
            )
            continue
        convert = _converter(field)
        columns.append([_NULL if value is None else convert(value) for value in values])
    body = io.StringIO("".join("\t".join(row) + "\n" for row in zip(*columns, strict=True)))
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
                {"sql": f"{sql} -- {len(leads)} rows", "time": f"{duration:.3f}"}
            )
        _sql_logger.debug(
            "(%.3f) %s; rows=%d; alias=%s",
            duration,
            sql,
            len(leads),
            connection.alias,
            extra={"duration": duration, "sql": sql, "params": None, "alias": connection.alias},
        )
    for lead in leads:
        lead._state.adding = False
        lead._state.db = connection.alias
