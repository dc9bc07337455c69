"""Expression indexes for the catalog's numeric attribute filters.

An attribute filter (``attr.amount_min=…``) is evaluated on the lead's JSON, so without
help its count reads table rows until 10,001 match, in whatever order the planner picks
(a sequential scan: 0.3 s on 1M leads, and a time span too wide for the estimate). A
partial index per segment and numeric attribute, ``(created_at,
catalog_attribute_number(attributes, name)) WHERE status = 'available' AND segment_id =
…``, lets the scan walk the segment's listable leads newest first and test the
attribute in the index: only matching entries read a table row, and the rows counted
are a contiguous slice of time, which the count's estimate needs.

The schemas are data (a moderator edits them), so the indexes cannot be a migration:
``catalog_attribute_indexes_sync`` brings them in line with the active segments'
schemas. It runs after a segment's schema or activity is changed in the admin, every
15 minutes from beat (``marketplace.tasks.sync_catalog_attribute_indexes``) and from
``manage.py catalog_attribute_indexes``; it is idempotent, and one run at a time builds
(a session advisory lock: another run meanwhile changes nothing). Each index costs one
more B-tree insert per lead of its segment, which is why only numeric attributes get one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import connection

from marketplace.catalog_params import numeric_attributes
from marketplace.models import Lead
from marketplace.selectors.segments import active_segments_by_slug

PREFIX = "lead_attr_"
# pg_try_advisory_lock key of a running sync (a fixed number, no meaning beyond this).
SYNC_LOCK_KEY = 7_114_205_310_551_002


@dataclass(frozen=True)
class AttributeIndexChanges:
    created: list[str]
    dropped: list[str]
    # Another sync held the lock: this one changed nothing (that one does the work).
    busy: bool = False


def attribute_index_name(segment_id: int, attribute: str) -> str:
    # A digest, not the attribute's name: names are free text in a schema.
    digest = hashlib.sha256(attribute.encode()).hexdigest()[:16]
    return f"{PREFIX}{segment_id}_{digest}"


def _wanted() -> dict[str, tuple[int, str]]:
    wanted = {}
    for segment in active_segments_by_slug().values():
        for attribute in numeric_attributes(segment):
            wanted[attribute_index_name(segment.pk, attribute)] = (segment.pk, attribute)
    return wanted


def _existing(cursor) -> dict[str, bool]:
    """Our indexes on the lead table, name → valid (an interrupted CONCURRENTLY build
    leaves an invalid one, which must be dropped and built again)."""
    cursor.execute(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = %s::regclass AND c.relname LIKE %s",
        [Lead._meta.db_table, PREFIX.replace("_", r"\_") + "%"],
    )
    return dict(cursor.fetchall())


def catalog_attribute_indexes_sync(*, dry_run: bool = False) -> AttributeIndexChanges:
    """Create the missing indexes and drop those no active schema declares any more,
    each CONCURRENTLY (the lead table keeps taking writes). Runs outside a transaction."""
    if connection.vendor != "postgresql":
        return AttributeIndexChanges(created=[], dropped=[])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SYNC_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return AttributeIndexChanges(created=[], dropped=[], busy=True)
        try:
            return _sync(cursor, dry_run=dry_run)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SYNC_LOCK_KEY])


def _sync(cursor, *, dry_run: bool) -> AttributeIndexChanges:
    wanted = _wanted()
    table = connection.ops.quote_name(Lead._meta.db_table)
    existing = _existing(cursor)
    drop = sorted(name for name, valid in existing.items() if name not in wanted or not valid)
    create = sorted(name for name in wanted if not existing.get(name))
    if dry_run:
        return AttributeIndexChanges(created=create, dropped=drop)
    for name in drop:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {connection.ops.quote_name(name)}")
    for name in create:
        segment_id, attribute = wanted[name]
        # DDL takes no parameters: the attribute is quoted as a literal by the driver.
        literal = cursor.mogrify("%s", [attribute]).decode()
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY {connection.ops.quote_name(name)} ON {table}"
            f" (created_at, catalog_attribute_number(attributes, {literal}::text))"
            f" WHERE status = 'available' AND segment_id = {int(segment_id)}"
        )
    return AttributeIndexChanges(created=create, dropped=drop)
