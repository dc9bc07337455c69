"""Ids from paths and bodies: anything that is not a UUID is simply not found."""

from __future__ import annotations

from uuid import UUID


def as_uuid(value: object) -> UUID | None:
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None
