"""The phone fast path answers exactly what phonenumbers answers, in every region."""

from __future__ import annotations

import sys
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from suppliers.intake.normalization import NormalizationError, normalize_phone
from suppliers.intake.phones import e164

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from ingest import local_phone  # the benchmark's phones, as typed

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE)
CALLING_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _examples(region: str) -> list[str]:
    found = (phonenumbers.example_number_for_type(region, kind) for kind in _TYPES)
    return [phonenumbers.national_significant_number(number) for number in found if number]


EXAMPLES = {region: _examples(region) for region in REGIONS}


def _by_library(raw: str, country: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@st.composite
def typed_phones(draw) -> tuple[str, str]:
    """A region's example number, some digits changed, cut or added, written nationally,
    with +, with the calling code but no +, with another country's code or with an
    international prefix, with formatting noise; read in its region or another."""
    region = draw(st.sampled_from([r for r in REGIONS if EXAMPLES[r]]))
    digits = list(draw(st.sampled_from(EXAMPLES[region])))
    for index in draw(st.lists(st.integers(0, len(digits) - 1), max_size=3)):
        digits[index] = draw(st.sampled_from("0123456789"))
    length = draw(st.sampled_from(["same", "same", "same", "shorter", "longer"]))
    national = "".join(digits[:-1] if length == "shorter" else digits)
    if length == "longer":
        national += draw(st.sampled_from("0123456789"))
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    code = str(metadata.country_code)
    written = draw(
        st.sampled_from(
            [
                national,
                (metadata.national_prefix or "") + national,
                "+" + code + national,
                code + national,
                "+" + str(draw(st.sampled_from(CALLING_CODES))) + national,
                (metadata.international_prefix or "00") + code + national,
                "+" + national,
            ]
        )
    )
    noisy = "".join(
        char + draw(st.sampled_from(["", "", "", " ", "-", ".", "(", ")", " (", ") "]))
        for char in written
    )
    country = draw(st.sampled_from([region, region, region, *REGIONS]))
    return noisy, country


@settings(max_examples=4000, deadline=None)
@given(
    typed_phones()
    | st.tuples(
        st.text(alphabet="0123456789+-() .x#;,/~٣５", max_size=24),
        st.sampled_from(["PL", "RO", "RU", "KZ", "US", "IT", "GB"]),
    )
)
@example(("8 (916) 123-45-67", "RU"))
@example(("79161234567", "RU"))
@example(("+7 701 123 4567", "RU"))
@example(("8 701 123 4567", "KZ"))
@example(("48 601 234 567", "PL"))
@example(("48 362 12 34", "PL"))
@example(("0048 601 234 567", "PL"))
@example(("8 10 48 601 234 567", "RU"))
@example(("06 1234 5678", "IT"))
@example(("+39 06 1234 5678", "IT"))
@example(("1 (201) 555-0123", "US"))
@example(("(201) 555-0123", "US"))
@example(("123", "PL"))
def test_fast_path_agrees_with_phonenumbers(case: tuple[str, str]) -> None:
    raw, country = case
    expected = _by_library(raw, country)
    fast = e164(raw, country)
    if fast is not None:
        assert fast == expected
    try:
        stored = normalize_phone(raw, country=country)
    except NormalizationError:
        stored = None
    assert stored == (expected if len(raw) <= 32 else None)


def test_the_benchmarks_phones_take_the_fast_path_with_the_librarys_answer() -> None:
    for n in range(1, 3001):
        country = ("PL", "RO", "RU")[n % 3]
        raw = local_phone(country, n)
        assert e164(raw, country) == _by_library(raw, country) is not None


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("PL", "601 234 567", "+48601234567"),
        ("PL", "+48 601-234-567", "+48601234567"),
        ("PL", "48601234567", "+48601234567"),
        ("RO", "0721 234 567", "+40721234567"),
        ("RO", "+40 721 234 567", "+40721234567"),
        ("RU", "8 (916) 123-45-67", "+79161234567"),
        ("RU", "+7 916 123 45 67", "+79161234567"),
        ("KZ", "8 701 123 4567", "+77011234567"),
        ("UA", "050 123 4567", "+380501234567"),
        ("US", "(201) 555-0123", "+12015550123"),
        ("GB", "07400 123456", "+447400123456"),
    ],
)
def test_common_valid_shapes_take_the_fast_path(country: str, raw: str, expected: str) -> None:
    assert e164(raw, country) == expected == _by_library(raw, country)


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("PL", "123"),  # invalid: the library says why
        ("PL", "601 234"),
        ("PL", "0048 601 234 567"),  # an international prefix
        ("IT", "06 1234 5678"),  # a leading zero kept in the number
        ("PL", "601 234 567 ext. 12"),
        ("PL", "\uff16\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17"),  # full-width digits
    ],
)
def test_other_shapes_are_left_to_the_library(country: str, raw: str) -> None:
    assert e164(raw, country) is None
