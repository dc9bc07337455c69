"""Serialising intake of the same person.

Two suppliers may send the same person at the same moment; each transaction
would see no earlier lead and both would be accepted. Transaction-scoped
PostgreSQL advisory locks make the second wait for the first:

- a small submission takes each segment's lock *shared* and one exclusive
  lock per (segment, blind index) of its people, so unrelated leads flow in
  parallel;
- a large one (a batch, an upload chunk) takes each segment's lock
  *exclusive* instead of thousands of person locks, which would fill
  PostgreSQL's shared lock table.

Segment locks are taken before person locks, each in sorted order, so no two
submissions can deadlock. SQLite has one writer at a time and needs none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection

# Above this many people in one submission, lock whole segments instead.
MAX_PERSON_LOCKS = 64
_EXCLUSIVE_SQL = "SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key ORDER BY key"
_SHARED_SQL = (
    "SELECT pg_advisory_xact_lock_shared(key) FROM unnest(%s::bigint[]) AS key ORDER BY key"
)


def _lock_key(label: str) -> int:
    digest = hashlib.blake2b(label.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_people(*, people: Iterable[tuple[int, str]]) -> None:
    """Lock the (segment id, blind index) pairs about to be judged and stored."""
    if connection.vendor != "postgresql":
        return
    people = {(segment_id, index) for segment_id, index in people if index}
    if not people:
        return
    segments = sorted({_lock_key(f"segment:{segment_id}") for segment_id, _ in people})
    whole_segments = len(people) > MAX_PERSON_LOCKS
    segment_sql = _EXCLUSIVE_SQL if whole_segments else _SHARED_SQL
    with connection.cursor() as cursor:
        if whole_segments:
            cursor.execute(segment_sql, [segments])
            return
        keys = sorted({_lock_key(f"person:{segment_id}:{index}") for segment_id, index in people})
        # Both statements in one round trip, run in this order (psycopg2 sends them as one
        # simple query): the segment locks, then the person locks.
        cursor.execute(f"{segment_sql}; {_EXCLUSIVE_SQL}", [segments, keys])
