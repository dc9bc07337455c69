"""Opaque, time-ordered identifiers (UUIDv7): unguessable and index-friendly."""

from __future__ import annotations

import secrets
import time
import uuid

# UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, the version (7), 12 random bits,
# the variant (0b10), 62 random bits. The random bits are drawn as 76, as uuid6.uuid7
# does, then the version and variant bits set over them.
_VERSION_VARIANT = (7 << 76) | (0b10 << 62)
_RANDOM = ((1 << 76) - 1) & ~(0b11 << 62)
_last_ms = 0


def new_id() -> uuid.UUID:
    """A UUIDv7 whose milliseconds never go back within this process (a later id sorts
    after an earlier one, as with uuid6.uuid7): built as one ``uuid.UUID``, not a
    ``uuid6.UUID`` converted into one."""
    global _last_ms
    ms = time.time_ns() // 1_000_000
    if ms <= _last_ms:
        ms = _last_ms + 1
    _last_ms = ms
    return uuid.UUID(
        int=((ms & 0xFFFF_FFFF_FFFF) << 80) | _VERSION_VARIANT | (secrets.randbits(76) & _RANDOM)
    )
