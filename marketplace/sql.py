"""Writing rows in fewer round trips.

A purchase writes a sale, its event and an access-log row; as three INSERTs
they are three round trips to the database. On PostgreSQL, data-modifying CTEs
make them one statement: every INSERT in it sees the same snapshot and the
foreign keys between them are checked at commit (Django creates them
``DEFERRABLE INITIALLY DEFERRED``). Elsewhere (SQLite in development) each row
is its own INSERT. The SQL and its parameters come from Django's own insert
compiler, so defaults, ``pre_save`` and value preparation (JSON, UUIDs, aware
datetimes) are exactly what ``save()`` would send.
"""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.constants import OnConflict
from django.db.models.sql.subqueries import InsertQuery

# The INSERT text of a model depends only on its fields, not on the row: compiled once
# per (model, database, conflict handling), then only the values are prepared.
_insert_texts: dict[tuple[type, str, bool], tuple[str, list[models.Field]]] = {}


def _insert_sql(obj: models.Model, *, connection, ignore_conflicts: bool = False):
    if obj.pk is None:
        raise ValueError(f"{type(obj).__name__} needs its primary key before a combined insert.")
    key = (type(obj), connection.alias, ignore_conflicts)
    if key in _insert_texts:
        sql, fields = _insert_texts[key]
        values = [field.pre_save(obj, add=True) for field in fields]
        if not any(hasattr(value, "resolve_expression") for value in values):
            return sql, [
                field.get_db_prep_save(value, connection=connection)
                for field, value in zip(fields, values, strict=True)
            ]
    fields = [f for f in obj._meta.local_concrete_fields if not f.generated]
    query = InsertQuery(type(obj), on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    query.insert_values(fields, [obj])
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    # Fields whose placeholder depends on the value (binary, ranges, geometry) and
    # expressions as values are compiled each time.
    if not any(hasattr(field, "get_placeholder") for field in fields) and not any(
        hasattr(getattr(obj, field.attname), "resolve_expression") for field in fields
    ):
        _insert_texts[key] = (sql, fields)
    return sql, params


def _mark_saved(obj: models.Model, using: str) -> None:
    obj._state.adding = False
    obj._state.db = using


def rows_insert(*objs: models.Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT these model instances (of any models, primary keys set) in one statement."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return
    statements = [_insert_sql(obj, connection=connection) for obj in objs]
    *first, (sql, _) = statements
    if first:
        ctes = ", ".join(f"row{n} AS ({text})" for n, (text, _) in enumerate(first))
        sql = f"WITH {ctes} {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for _, values in statements for value in values])
    for obj in objs:
        _mark_saved(obj, using)


def row_insert_unless_exists(obj: models.Model, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """INSERT ``obj`` unless a unique constraint already holds its row: one statement,
    no savepoint (``ON CONFLICT DO NOTHING``). True when this call inserted it."""
    connection = connections[using]
    sql, params = _insert_sql(obj, connection=connection, ignore_conflicts=True)
    pk = connection.ops.quote_name(obj._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {pk}", params)
        inserted = cursor.fetchone() is not None
    if inserted:
        _mark_saved(obj, using)
    return inserted


# Values JSON carries as they are; a UUID or an aware datetime becomes its text; any
# other value goes through the field's ``get_prep_value`` first, as ``save()`` would.
_PLAIN = (str, int, float, bool, dict, list, type(None))


def _json_value(field: models.Field, value: object) -> object:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()
    value = field.get_prep_value(value)
    if isinstance(value, UUID):
        return str(value)
    return value.isoformat() if isinstance(value, datetime) else value


def _plain_pre_save(field: models.Field) -> bool:
    """``pre_save`` only reads the attribute (no ``auto_now`` and the like)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    own = type(field).pre_save
    return own is models.Field.pre_save or own in (
        models.DateField.pre_save,
        models.DateTimeField.pre_save,
    )


_value_fields: dict[type, list[tuple[str, str, models.Field, bool]]] = {}


def row_values(obj: models.Model) -> dict[str, object]:
    """``obj``'s column values as ``save()`` would store them (defaults and
    ``pre_save`` applied), JSON-ready: for a SQL function that takes its rows as
    jsonb (``jsonb_populate_record``) rather than as many parameters."""
    model = type(obj)
    if model not in _value_fields:
        _value_fields[model] = [
            (field.column, field.attname, field, _plain_pre_save(field))
            for field in obj._meta.local_concrete_fields
            if not field.generated
        ]
    state = obj.__dict__
    return {
        column: _json_value(field, state[attname] if plain else field.pre_save(obj, add=True))
        for column, attname, field, plain in _value_fields[model]
    }


# Per model: (column, attname, name, field, related field's attname or None), or None
# where a field's ``pre_save`` does more than read the attribute (build the instance).
_build_fields: dict[type, list[tuple[str, str, str, models.Field, str | None]] | None] = {}


def _fields_to_build(model: type[models.Model]):
    if model not in _build_fields:
        fields = [f for f in model._meta.local_concrete_fields if not f.generated]
        _build_fields[model] = (
            [
                (
                    field.column,
                    field.attname,
                    field.name,
                    field,
                    field.target_field.attname if field.is_relation else None,
                )
                for field in fields
            ]
            if all(_plain_pre_save(field) for field in fields)
            else None
        )
    return _build_fields[model]


def model_row_values(model: type[models.Model], **values: object) -> dict[str, object]:
    """``row_values(model(**values))`` without building the instance: the values
    given (by attname, or by name: a related instance gives its key), every other
    field's default, JSON-ready. For rows only a SQL function stores (the model's
    ``__init__`` and its field descriptors cost more than the row's values)."""
    fields = _fields_to_build(model)
    if fields is None:
        return row_values(model(**values))
    row, used = {}, 0
    for column, attname, name, field, target in fields:
        if attname in values:
            value = values[attname]
            used += 1
        elif name in values:
            value = values[name]
            used += 1
            if target is not None and value is not None:
                value = getattr(value, target)
        else:
            value = field.get_default()
        row[column] = _json_value(field, value)
    if used != len(values):
        unknown = (
            set(values)
            - {name for _, attname, name, *_ in fields}
            - {attname for _, attname, *_ in fields}
        )
        raise TypeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    return row


def mark_saved(*objs: models.Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """These instances are rows now (a SQL function stored them)."""
    for obj in objs:
        _mark_saved(obj, using)


# Reading model instances from one hand-written SELECT (a join), without building an
# ORM query each time: the select list and the fields' converters per model, once.
_readers: dict[tuple[type, str], tuple[list[models.Field], list[str], list[tuple]]] = {}


def _reader(model: type[models.Model], connection):
    key = (model, connection.alias)
    if key not in _readers:
        fields = list(model._meta.concrete_fields)
        # only the fields that have converters (decryption, JSON, …), with their position
        converters = [
            (n, field.cached_col, found)
            for n, field in enumerate(fields)
            if (
                found := connection.ops.get_db_converters(field.cached_col)
                + field.get_db_converters(connection)
            )
        ]
        _readers[key] = (fields, [field.attname for field in fields], converters)
    return _readers[key]


def select_list(model: type[models.Model], alias: str) -> str:
    """Every concrete column of ``model`` from table ``alias``, in field order."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def instances_from_row(
    row: tuple, model_types: list[type[models.Model]], *, using: str = DEFAULT_DB_ALIAS
) -> list[models.Model]:
    """Model instances from a row of ``select_list(model)`` columns one after the
    other, values converted as a queryset would (``from_db_value``: decryption, JSON)."""
    connection = connections[using]
    instances, start = [], 0
    for model in model_types:
        fields, attnames, converters = _reader(model, connection)
        values = list(row[start : start + len(fields)])
        start += len(fields)
        for n, expression, field_converters in converters:
            for converter in field_converters:
                values[n] = converter(values[n], expression, connection)
        instances.append(model.from_db(using, attnames, values))
    return instances


# The statements this process has prepared, per PostgreSQL session (a reconnect is a
# new connection object, so it prepares them again).
_prepared: WeakKeyDictionary[object, set[str]] = WeakKeyDictionary()


_PLACEHOLDER = re.compile(r"\$(\d+)")


def inline_placeholders(sql: str, params: list) -> tuple[str, list]:
    """``sql`` with its ``$n`` placeholders as the driver's ``%s``, and the parameters
    in the order they now appear (a ``$n`` used twice takes its value twice)."""
    ordered: list = []

    def swap(match: re.Match) -> str:
        ordered.append(params[int(match.group(1)) - 1])
        return "%s"

    return _PLACEHOLDER.sub(swap, sql.replace("%", "%%")), ordered


def execute_prepared(cursor, name: str, sql: str, params: list) -> None:
    """Execute ``sql`` (placeholders ``$1``, ``$2``, …) as this session's prepared
    statement ``name``: parsed and planned once per connection, not on every call
    (psycopg2 sends each statement as text). ``PREPARE`` is not undone by a rollback,
    so it is sent once per connection; it costs one extra round trip that first time.
    PostgreSQL only. Behind a transaction-pooling proxy (``DATABASE_TRANSACTION_POOLING``)
    a prepared statement would be on whichever server session the proxy lent that
    time: there the statement itself is sent, parsed and planned on every call."""
    if settings.DATABASE_TRANSACTION_POOLING:
        cursor.execute(*inline_placeholders(sql, params))
        return
    names = _prepared.setdefault(cursor.db.connection, set())
    if name not in names:
        cursor.execute(f"PREPARE {name} AS {sql}")
        names.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
