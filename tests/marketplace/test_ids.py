"""``new_id``: UUIDv7 as RFC 9562 lays it out, time-ordered within a process."""

from __future__ import annotations

import time
import uuid

from marketplace import ids
from marketplace.ids import new_id


def test_an_id_is_a_uuid7_with_the_current_milliseconds():
    # given
    before = time.time_ns() // 1_000_000
    # when
    made = new_id()
    # then: version 7, RFC variant, the Unix milliseconds in the first 48 bits
    assert type(made) is uuid.UUID
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= ids._last_ms


def test_ids_are_distinct_and_sort_in_the_order_they_were_made():
    made = [new_id() for _ in range(5_000)]
    assert len(set(made)) == len(made)
    assert made == sorted(made)
    assert [str(i) for i in made] == sorted(str(i) for i in made)


def test_the_random_bits_are_random():
    # the 74 bits beside the time, the version and the variant differ between ids
    masked = {i.int & ids._RANDOM for i in (new_id() for _ in range(1_000))}
    assert len(masked) == 1_000
    assert not any(m & ~ids._RANDOM for m in masked)


def test_a_clock_that_goes_back_does_not_reorder_ids(monkeypatch):
    first = new_id()
    monkeypatch.setattr(time, "time_ns", lambda: 0)
    assert new_id() > first
