"""The plain-address fast path answers exactly what email-validator answers."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from suppliers.intake.normalization import NormalizationError, _plain_email, normalize_email

_LOCAL = st.text(alphabet="aZ09._+-!#~'ñ", min_size=0, max_size=70)
_LABEL = st.text(alphabet="aZ09-_ł", min_size=0, max_size=66)
_TLD = st.sampled_from(
    ["com", "PL", "example", "test", "local", "localhost", "onion", "arpa", "c", "1a", "co1", ""]
)
_ADDRESS = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    _LOCAL,
    st.lists(_LABEL, min_size=0, max_size=4),
    _TLD,
)


def _by_library(raw: str) -> str | None:
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _by_service(raw: str) -> str | None:
    try:
        return normalize_email(raw)
    except NormalizationError:
        return None


@settings(max_examples=3000, deadline=None)
@given(_ADDRESS | st.text(max_size=80))
@example("Lead.1@Poczta-Bench.EXAMPLE")
@example("a@xn--80ak6aa92e.com")
@example("a@ab--cd.com")
@example("a.@b.com")
@example("a@b.test")
@example("a@mail.local")
@example(("x" * 64) + "@b.com")
@example(("x" * 65) + "@b.com")
def test_fast_path_agrees_with_email_validator(raw: str) -> None:
    fast = _plain_email(raw)
    if fast is not None:
        assert fast == _by_library(raw)
    assert _by_service(raw) == (_by_library(raw) if len(raw) <= 254 else None)


@pytest.mark.parametrize(
    "raw", ["lead.1@poczta-bench.example", "Jan.Kowalski+crm@Mail.Example.COM", "a_b-c@x-y.z.pl"]
)
def test_plain_addresses_take_the_fast_path(raw: str) -> None:
    assert _plain_email(raw) == raw.lower() == _by_library(raw)
