"""Opaque, time-ordered identifiers (UUIDv7): unguessable and index-friendly."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    return uuid.UUID(int=uuid6.uuid7().int)
