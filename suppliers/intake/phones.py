"""A fast path for the phones most people type: exactly what phonenumbers answers.

``phonenumbers.parse`` + ``is_valid_number`` is pure Python and general (RFC 3966,
extensions, vanity letters, full-width digits, carrier codes); for an upload it
was a third of preparing a row. Most phones are ASCII digits with spaces, dashes,
dots or parentheses, national (``8 (916) 123-45-67``, ``0721 234 567``) or with
``+`` and the country code. For those, ``e164`` follows the library's own steps
with the library's own metadata (the region's country code, international and
national prefixes, possible lengths and number patterns, compiled once per
region): the country code taken from ``+`` or, as the library does, from the
start of a national number; the national prefix stripped only when what remains
still has a possible length; then the number valid if it matches the general
pattern and one type's pattern of the region the library would pick.

It answers only when the number is valid, with its E.164 form. Anything else —
another shape, an international dialling prefix, a national prefix with a
transform rule, a leading zero kept in the number, a number it finds invalid —
is ``None``: ask the library, which then gives the verdict (and the error).
``tests/suppliers/test_phone_fast_path.py`` compares both on generated numbers
of every supported region and on the benchmark's file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

# ASCII digits with the punctuation people type; "+" only first.
_SHAPE = re.compile(r"\+?[0-9 ().\-]+")
_NOT_DIGITS = str.maketrans(dict.fromkeys(" ().-+"))
_MIN_DIGITS = 3  # fewer: the library's viability rules decide
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN
_MAX_COUNTRY_CODE = 3
_NON_GEO = "001"

# _test_number_length's verdicts that keep the national prefix on.
_KEEP_PREFIX = ("too_short", "local_only", "invalid_length")


@dataclass(frozen=True, slots=True)
class _Desc:
    lengths: frozenset[int]  # empty: any length
    pattern: re.Pattern | None  # None: matches nothing

    def matches(self, number: str) -> bool:  # _is_number_matching_desc
        if self.lengths and len(number) not in self.lengths:
            return False
        return self.pattern is not None and self.pattern.fullmatch(number) is not None


@dataclass(frozen=True, slots=True)
class _Region:
    country_code: int
    code_text: str
    international: re.Pattern | None
    national_prefix: re.Pattern | None
    general: re.Pattern | None
    lengths: tuple[int, ...]
    local_lengths: frozenset[int]
    general_desc: _Desc
    # Per possible length: the patterns of the types (_number_type_helper's) that
    # allow it, as one alternation (a full match of it is a full match of one).
    types_by_length: dict[int, re.Pattern]
    leading_digits: re.Pattern | None

    def general_match(self, number: str) -> bool:  # _match_national_number(general_desc)
        return self.general is not None and self.general.fullmatch(number) is not None

    def length_verdict(self, number: str) -> str:  # _test_number_length, type UNKNOWN
        length = len(number)
        if length in self.local_lengths:
            return "local_only"
        if self.lengths[0] == length:
            return "possible"
        if self.lengths[0] > length:
            return "too_short"
        if self.lengths[-1] < length:
            return "too_long"
        return "possible" if length in self.lengths[1:] else "invalid_length"

    def strip_national_prefix(self, number: str) -> str:
        """_maybe_strip_national_prefix_carrier_code without a transform rule."""
        if not number or self.national_prefix is None:
            return number
        match = self.national_prefix.match(number)
        if match is None:
            return number
        rest = number[match.end() :]
        if self.general_match(number) and not self.general_match(rest):
            return number
        return rest

    def is_valid(self, number: str) -> bool:  # _number_type_helper(...) != UNKNOWN
        if not self.general_desc.matches(number):
            return False
        types = self.types_by_length.get(len(number))
        return types is not None and types.fullmatch(number) is not None


def _compiled(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


def _desc(desc: object) -> _Desc:
    if desc is None:
        return _Desc(frozenset(), None)
    return _Desc(frozenset(desc.possible_length), _compiled(desc.national_number_pattern))


def _types_by_length(lengths: tuple[int, ...], types: tuple[object, ...]) -> dict[int, re.Pattern]:
    by_length = {}
    for length in lengths:
        patterns = [
            desc.national_number_pattern
            for desc in types
            if desc is not None
            and desc.national_number_pattern
            and (not desc.possible_length or length in desc.possible_length)
        ]
        if patterns:
            by_length[length] = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    return by_length


@cache
def _region(region: str) -> _Region | None:
    """The region's metadata compiled, or None where this path does not apply."""
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.national_prefix_transform_rule:
        return None
    general = metadata.general_desc
    if general is None or not general.possible_length:
        return None
    mobile = () if metadata.same_mobile_and_fixed_line_pattern else (metadata.mobile,)
    types = (
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
        *mobile,
    )
    return _Region(
        country_code=metadata.country_code,
        code_text=str(metadata.country_code),
        international=_compiled(metadata.international_prefix),
        national_prefix=_compiled(metadata.national_prefix_for_parsing),
        general=_compiled(general.national_number_pattern),
        lengths=tuple(general.possible_length),
        local_lengths=frozenset(general.possible_length_local_only),
        general_desc=_desc(general),
        types_by_length=_types_by_length(tuple(general.possible_length), types),
        leading_digits=_compiled(metadata.leading_digits),
    )


def _country_code(digits: str) -> tuple[int, str] | None:
    """_extract_country_code: the first 1-3 digits that are a known calling code."""
    if digits[:1] == "0":
        return None
    for size in range(1, min(len(digits), _MAX_COUNTRY_CODE) + 1):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[size:]
    return None


def _number_region(country_code: int, national: str) -> str | None:
    """region_code_for_number: the region of a number's calling code that it belongs to."""
    regions = COUNTRY_CODE_TO_REGION_CODE[country_code]
    if len(regions) == 1:
        return regions[0]
    for code in regions:
        region = _region(code) if code != _NON_GEO else None
        if region is None:
            return None  # not ours to decide
        if region.leading_digits is not None:
            if region.leading_digits.match(national):
                return code
        elif region.is_valid(national):
            return code
    return None


def e164(raw: str, country: str) -> str | None:
    """``raw``'s E.164 form when phonenumbers would parse it with ``country`` as the
    default region and find it valid; None: ask phonenumbers."""
    if not _SHAPE.fullmatch(raw):
        return None
    region = _region(country)
    if region is None:
        return None
    digits = raw.translate(_NOT_DIGITS)
    if len(digits) < _MIN_DIGITS:
        return None
    if raw[0] == "+":
        found = _country_code(digits)
        if found is None:
            return None
        country_code, national = found
        extracted = True
    elif region.international is not None and region.international.match(digits):
        return None  # an international dialling prefix: the library's IDD rules
    else:
        country_code, national, extracted = region.country_code, digits, False
        if digits.startswith(region.code_text):
            # The region's own calling code written without "+" (_maybe_extract_country_code).
            rest = region.strip_national_prefix(digits[len(region.code_text) :])
            if (not region.general_match(digits) and region.general_match(rest)) or (
                region.length_verdict(digits) == "too_long"
            ):
                national, extracted = rest, True
    # A calling code found in the number brings its main region's rules, as in parse().
    rules = region
    if extracted and (main := phonenumbers.region_code_for_country_code(country_code)) != country:
        rules = _region(main)
    if rules is None or len(national) < _MIN_NSN:
        return None
    stripped = rules.strip_national_prefix(national)
    if rules.length_verdict(stripped) not in _KEEP_PREFIX:
        national = stripped
    if len(national) > _MAX_NSN or national[:1] == "0":
        return None  # too long, or an Italian-style leading zero: the library's
    number_region = _number_region(country_code, national)
    if number_region is None:
        return None
    rules = _region(number_region)
    if rules is None or not rules.is_valid(national):
        return None
    return f"+{country_code}{national}"
