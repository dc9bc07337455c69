from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from marketplace.models import Segment


def active_segment_list() -> QuerySet[Segment]:
    return Segment.objects.filter(is_active=True).order_by("slug")


@dataclass(frozen=True)
class _Loaded:
    database: str
    version: str
    segments: dict[str, Segment]


_loaded: _Loaded | None = None


def _version() -> str | None:
    """The segment rows' version on PostgreSQL: every INSERT, UPDATE or DELETE
    (an admin save, a queryset ``update()``, a migration, a rolled-back test)
    gives a row a new ``xmin`` or removes one, so the string changes."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(string_agg(xmin::text, ',' ORDER BY id), '') "  # noqa: S608
            f"FROM {connection.ops.quote_name(Segment._meta.db_table)}"  # (no input in it)
        )
        return cursor.fetchone()[0]


def active_segments_by_slug() -> dict[str, Segment]:
    """The active segments by slug, read by lead intake on every request.

    Kept in the process and reloaded when the rows' version changes: one tiny
    query instead of loading every segment with its JSON schema each time (~8%
    of a lead post, docs/performance.md). Checked on every call, so a
    moderator's edit applies at once in every gunicorn process, which a
    per-process local-memory cache (no REDIS_URL) could not promise. Without
    PostgreSQL (the SQLite demo) the segments are simply read each time. The
    instances are shared between requests: read them, never change them.
    """
    global _loaded
    version = _version()
    database = connection.settings_dict["NAME"]
    loaded = _loaded
    if (
        version is None
        or loaded is None
        or (loaded.version, loaded.database)
        != (
            version,
            database,
        )
    ):
        segments = {segment.slug: segment for segment in Segment.objects.filter(is_active=True)}
        if version is None:
            return segments
        loaded = _loaded = _Loaded(database=database, version=version, segments=segments)
    return dict(loaded.segments)
