"""Serialising intake of the same person.

Two suppliers may send the same person at the same moment; each transaction
would see no earlier lead and both would be accepted. A transaction-scoped
PostgreSQL advisory lock per (segment, blind index) makes the second wait for
the first. Keys are taken in sorted order so two leads sharing a phone and an
email cannot deadlock. SQLite has one writer at a time and needs none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection


def _lock_key(segment_id: int, index: str) -> int:
    digest = hashlib.blake2b(f"{segment_id}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_people(*, segment_id: int, indexes: Iterable[str]) -> None:
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_key(segment_id, index) for index in indexes if index})
    if not keys:
        return
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
