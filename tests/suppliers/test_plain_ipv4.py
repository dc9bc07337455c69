"""A consent IP written as a plain dotted quad is kept as ipaddress would write it."""

from __future__ import annotations

import ipaddress

from hypothesis import example, given, settings
from hypothesis import strategies as st

from suppliers.intake.validation import _PLAIN_IPV4

_PART = st.integers(0, 300).map(str) | st.sampled_from(["00", "01", "010", "0255", "", "1a", "-1"])


def _by_library(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PART, min_size=3, max_size=5).map(".".join) | st.text(max_size=20))
@example("203.0.113.7")
@example("255.255.255.255")
@example("256.1.1.1")
@example("01.2.3.4")
@example("1.2.3.4\n")
def test_plain_dotted_quads_are_what_ipaddress_writes(raw: str) -> None:
    if _PLAIN_IPV4.fullmatch(raw):
        assert _by_library(raw) == raw
