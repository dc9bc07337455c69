"""The API key behind a bearer token, read on every API request.

One hand-written SELECT of the key and its organization instead of the ORM's
``select_related``: building that query was ~15% of a lead post
(docs/performance.md), the row look-up itself ~0.1 ms. The result is read
fresh each time, never cached: a revoked key, or an organization a moderator
suspended or holds for review, takes effect on the very next request in every
gunicorn process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from django.db import connection
from django.db.models import Model

from marketplace.models import ApiKey, Organization

# (attname, column expression, converters) of each of a model's columns.
_Columns = list[tuple[str, object, list[Callable]]]


@cache
def _columns(model: type[Model], vendor: str) -> _Columns:
    """The converters the ORM would apply to each column on this database (SQLite
    returns UUIDs, datetimes and booleans as text or numbers; PostgreSQL does not)."""
    columns = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        columns.append((field.attname, column, converters))
    return columns


def _instance(model: type[Model], values: Sequence[object]) -> Model:
    columns = _columns(model, connection.vendor)
    converted = []
    for value, (_, column, converters) in zip(values, columns, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [name for name, _, _ in columns], converted)


@cache
def _sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    key = {
        name: quote(ApiKey._meta.get_field(name).column)
        for name in ("organization", "key_hash", "revoked_at")
    }
    key_columns = [f"k.{quote(f.column)}" for f in ApiKey._meta.concrete_fields]
    org_columns = [f"o.{quote(f.column)}" for f in Organization._meta.concrete_fields]
    # Built from the models' metadata only; the key hash is a bound parameter.
    return (
        f"SELECT {', '.join(key_columns + org_columns)}"  # noqa: S608
        f" FROM {quote(ApiKey._meta.db_table)} k"
        f" LEFT JOIN {quote(Organization._meta.db_table)} o"
        f" ON o.{quote(Organization._meta.pk.column)} = k.{key['organization']}"
        f" WHERE k.{key['key_hash']} = %s AND k.{key['revoked_at']} IS NULL"
    )


def active_api_key(*, key_hash: str) -> ApiKey | None:
    """The unrevoked key with this hash, its ``organization`` loaded (None for a
    moderator's key, whose ``moderator`` is loaded on first use)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor), [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(ApiKey._meta.concrete_fields)
    api_key = _instance(ApiKey, row[:split])
    api_key.organization = (
        _instance(Organization, row[split:]) if api_key.organization_id is not None else None
    )
    return api_key
