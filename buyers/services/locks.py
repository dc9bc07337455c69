"""Serialising one buyer's purchases of the same person.

Two purchases by one buyer of two leads of the same person (sent by two
suppliers) would each see no earlier sale and both succeed. A
transaction-scoped PostgreSQL advisory lock per (buyer, segment, blind index),
plus one per (buyer, lead), makes the second wait for the first and then see
its sale. Keys are taken in sorted order, so two purchases can't deadlock.
Other buyers are not held up: the keys include the buyer. SQLite has one
writer at a time and needs none.
"""

from __future__ import annotations

import hashlib

from django.db import connection

_LOCK_SQL = "SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key ORDER BY key"


def _key(label: str) -> int:
    digest = hashlib.blake2b(label.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def purchase_lock_keys(
    *, buyer_id: object, segment_id: int, lead_id: object, indexes: list[str]
) -> list[int]:
    """The advisory lock keys of this buyer's purchase of this lead and of this person
    in this segment, sorted (the purchase's SQL function takes the same keys)."""
    labels = {f"purchase:{buyer_id}:lead:{lead_id}"}
    labels |= {f"purchase:{buyer_id}:person:{segment_id}:{index}" for index in indexes if index}
    return sorted(_key(label) for label in labels)


def lock_buyer_person(
    *, buyer_id: object, segment_id: int, lead_id: object, indexes: list[str]
) -> None:
    """Lock this buyer's purchases of this lead and of this person in this segment."""
    if connection.vendor != "postgresql":
        return
    keys = purchase_lock_keys(
        buyer_id=buyer_id, segment_id=segment_id, lead_id=lead_id, indexes=indexes
    )
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [keys])
