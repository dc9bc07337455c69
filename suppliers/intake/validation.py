"""The rules a lead must pass before it is stored: the one implementation
used by the API (single and batch) and by file uploads.

``validate_lead`` is pure: no database access, so callers can judge many rows
quickly and then store them. It collects every field problem at once.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from marketplace.crypto import blind_index
from marketplace.errors import ValidationFailed
from marketplace.models import LeadSource, Segment, Temperature
from marketplace.money import MoneyFormatError, parse_amount
from suppliers.intake.normalization import (
    NormalizationError,
    is_known_country,
    normalize_email,
    normalize_phone,
)
from suppliers.intake.schema import quick_check

# A few minutes of clock difference between a supplier's server and ours is normal.
CLOCK_SKEW = timedelta(minutes=5)
MAX_NAME_LENGTH = 100
MAX_TEXT_LENGTH = 2000
MAX_URL_LENGTH = 2048
MAX_ATTRIBUTES_BYTES = 8 * 1024
TIMELINES = ("now", "this_week", "this_month", "this_quarter", "later", "unknown")

TOP_LEVEL_FIELDS = frozenset(
    {
        "segment",
        "external_id",
        "first_name",
        "last_name",
        "phone",
        "email",
        "country",
        "region",
        "city",
        "postal_code",
        "temperature",
        "source",
        "captured_at",
        "consent",
        "qualification",
        "attributes",
        "price",
        "cpa_price",
        "max_sales",
    }
)
CONSENT_FIELDS = frozenset({"text", "captured_at", "ip", "page_url", "certificate_url"})
QUALIFICATION_FIELDS = frozenset({"budget", "authority", "need", "timeline"})
_REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# A dotted quad as ipaddress writes it (ASCII digits, no leading zeros, at most 255):
# ip_address() would give it back unchanged.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_PLAIN_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass
class LeadDraft:
    """A lead that passed validation, normalized, ready to be judged and stored."""

    segment: Segment
    external_id: str
    first_name: str
    last_name: str = ""
    phone: str = ""
    email: str = ""
    phone_index: str = ""
    email_index: str = ""
    country: str = ""
    region: str = ""
    city: str = ""
    postal_code: str = ""
    temperature: str = ""
    source: str = ""
    captured_at: datetime | None = None
    has_consent: bool = False
    consent_text: str = ""
    consent_captured_at: datetime | None = None
    consent_ip: str = ""
    consent_page_url: str = ""
    consent_certificate_url: str = ""
    qualification: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)
    price_cents: int = 0
    cpa_price_cents: int | None = None
    max_sales: int = 1

    @property
    def person_indexes(self) -> list[str]:
        return [index for index in (self.phone_index, self.email_index) if index]

    @property
    def segment_id(self) -> int:
        return self.segment.pk


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, problem: str) -> None:
        self.fields.setdefault(name, []).append(problem)

    def __bool__(self) -> bool:
        return bool(self.fields)


def _text(
    data: Mapping,
    name: str,
    errors: _Errors,
    *,
    max_length: int,
    required: bool = False,
    label: str | None = None,
    multiline: bool = False,
) -> str:
    label = label or name
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(label, _("This field is required."))
        return ""
    if not isinstance(value, str):
        errors.add(label, _("Must be text."))
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors.add(label, _("At most %(limit)s characters.") % {"limit": max_length})
        return ""
    printable = (
        value.replace("\r\n", "\n").replace("\n", " ").replace("\t", " ") if multiline else value
    )
    if not printable.isprintable():
        errors.add(label, _("Contains control characters."))
        return ""
    return value


def _timestamp(value: object, label: str, errors: _Errors, *, now: datetime) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors.add(label, _("Must be an ISO 8601 timestamp such as 2026-11-20T10:00:00Z."))
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(label, _("Must be an ISO 8601 timestamp such as 2026-11-20T10:00:00Z."))
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # the API speaks UTC
    if parsed > now + CLOCK_SKEW:
        errors.add(label, _("Cannot be in the future."))
        return None
    if parsed.year < 2000:
        errors.add(label, _("Is too far in the past."))
        return None
    return parsed.astimezone(UTC)


def _url(value: object, label: str, errors: _Errors) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        errors.add(
            label,
            _("Must be a web address of at most %(limit)s characters.") % {"limit": MAX_URL_LENGTH},
        )
        return ""
    if not value.isprintable():
        # URLValidator lets NUL and lone surrogates through in the path; PostgreSQL does not.
        errors.add(label, _("Contains control characters."))
        return ""
    try:
        _url_validator(value.strip())
    except ValidationError:
        errors.add(label, _("Must be an http or https web address."))
        return ""
    return value.strip()


@lru_cache(maxsize=16)
def _values_of(choices: type) -> frozenset[str]:
    return frozenset(choices.values)  # Django builds the list on every access


def _choice(data: Mapping, name: str, choices: type, errors: _Errors) -> str:
    value = data.get(name)
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or value not in _values_of(choices):
        errors.add(name, _("Must be one of: %(choices)s.") % {"choices": ", ".join(choices.values)})
        return ""
    return value


def _money(value: object, label: str, errors: _Errors) -> int | None:
    try:
        return parse_amount(value)
    except MoneyFormatError as exc:
        errors.add(label, str(exc))
        return None


def _consent(data: Mapping, draft: LeadDraft, errors: _Errors, now: datetime) -> None:
    consent = data.get("consent")
    if consent is None:
        return
    if not isinstance(consent, dict):
        errors.add("consent", _('Must be an object with "text" and "captured_at".'))
        return
    for unknown in sorted(set(consent) - CONSENT_FIELDS):
        errors.add(f"consent.{unknown}", _("Unknown field."))
    draft.consent_text = _text(
        consent, "text", errors, max_length=MAX_TEXT_LENGTH, label="consent.text", multiline=True
    )
    draft.consent_captured_at = _timestamp(
        consent.get("captured_at"), "consent.captured_at", errors, now=now
    )
    ip = consent.get("ip")
    if ip not in (None, ""):
        try:
            if not isinstance(ip, str) or len(ip) > 45:
                raise ValueError
            ip = ip.strip()
            draft.consent_ip = ip if _PLAIN_IPV4.fullmatch(ip) else str(ipaddress.ip_address(ip))
        except ValueError:
            errors.add("consent.ip", _("Must be an IPv4 or IPv6 address."))
    draft.consent_page_url = _url(consent.get("page_url"), "consent.page_url", errors)
    draft.consent_certificate_url = _url(
        consent.get("certificate_url"), "consent.certificate_url", errors
    )
    draft.has_consent = bool(draft.consent_text and draft.consent_captured_at)


def _qualification(data: Mapping, draft: LeadDraft, errors: _Errors) -> None:
    qualification = data.get("qualification")
    if qualification is None:
        return
    if not isinstance(qualification, dict):
        errors.add("qualification", _("Must be an object (budget, authority, need, timeline)."))
        return
    for unknown in sorted(set(qualification) - QUALIFICATION_FIELDS):
        errors.add(f"qualification.{unknown}", _("Unknown field."))
    cleaned: dict[str, object] = {}
    for name in ("budget", "authority", "need"):
        value = qualification.get(name)
        if value is not None and not isinstance(value, bool):
            errors.add(f"qualification.{name}", _("Must be true, false or null."))
        elif value is not None:
            cleaned[name] = value
    timeline = qualification.get("timeline")
    if timeline is not None:
        if timeline not in TIMELINES:
            errors.add(
                "qualification.timeline",
                _("Must be one of: %(choices)s.") % {"choices": ", ".join(TIMELINES)},
            )
        else:
            cleaned["timeline"] = timeline
    draft.qualification = cleaned


def _attributes(data: Mapping, draft: LeadDraft, errors: _Errors) -> None:
    attributes = data.get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        errors.add("attributes", _("Must be an object."))
        return
    try:
        encoded = json.dumps(attributes, ensure_ascii=False, allow_nan=False).encode()
    except (ValueError, UnicodeEncodeError):
        # Uploads reach here without the API's JSON parser: jsonb refuses NaN, Infinity
        # and lone surrogates.
        errors.add("attributes", _("Numbers must be finite and text valid Unicode."))
        return
    if b"\\u0000" in encoded:
        errors.add("attributes", _("Text may not contain NUL characters."))
        return
    if len(encoded) > MAX_ATTRIBUTES_BYTES:
        errors.add(
            "attributes", _("At most %(limit)s KB.") % {"limit": MAX_ATTRIBUTES_BYTES // 1024}
        )
        return
    quick, validator = _attribute_checks(draft.segment)
    if quick is not None and quick(attributes):
        draft.attributes = attributes
        return
    for error in sorted(validator.iter_errors(attributes), key=lambda e: list(e.path)):
        path = ".".join(str(part) for part in error.path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            errors.add(
                f"attributes.{missing}" if missing else "attributes", _("This field is required.")
            )
        else:
            errors.add(f"attributes.{path}" if path else "attributes", error.message)
    draft.attributes = attributes


_validators: dict[tuple[int, str], Draft202012Validator] = {}


def attribute_validator(segment: Segment) -> Draft202012Validator:
    """Compiled once per segment version (the schema's JSON is the cache key)."""
    cache_key = (segment.pk, json.dumps(segment.fields, sort_keys=True))
    validator = _validators.get(cache_key)
    if validator is None:
        validator = Draft202012Validator(segment.fields)
        _validators[cache_key] = validator
    return validator


class _AttributeChecks:
    """A segment's quick check and compiled validator, for one ``fields`` object.

    Kept in the instance's ``__dict__``, so it would travel with a pickled segment
    (a draft sent from an upload's preparing process keeps its segment where there
    is no COPY). The quick check is a closure and can't be pickled; nor is any of
    it worth sending: a copy arrives empty and is compiled again where it is used.
    """

    __slots__ = ("fields", "quick", "validator")

    def __init__(self, fields: object, quick: Callable[[Mapping], bool] | None, validator: Any):
        self.fields, self.quick, self.validator = fields, quick, validator

    def __reduce__(self) -> tuple:
        return (_AttributeChecks, (_STALE, None, None))


_STALE = object()  # the fields of an unpickled entry: never a segment's own


def _attribute_checks(segment: Segment) -> tuple[Callable[[Mapping], bool] | None, Any]:
    """The segment's quick check and compiled validator, kept on the instance for as
    long as its ``fields`` are the same object (segments are kept per process)."""
    cached = segment.__dict__.get("_attribute_checks")
    if cached is None or cached.fields is not segment.fields:
        fields = segment.fields
        cached = _AttributeChecks(fields, quick_check(fields), attribute_validator(segment))
        segment.__dict__["_attribute_checks"] = cached
    return cached.quick, cached.validator


def validate_lead(data: object, *, segments: Mapping[str, Segment], now: datetime) -> LeadDraft:
    """Validate and normalize one lead as sent, or raise ValidationFailed with every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("A lead must be a JSON object."),
            fields={"non_field_errors": [_("Expected a JSON object.")]},
        )
    errors = _Errors()
    for unknown in sorted(set(data) - TOP_LEVEL_FIELDS):
        errors.add(str(unknown)[:64], _("Unknown field."))

    segment_slug = data.get("segment")
    segment = segments.get(segment_slug) if isinstance(segment_slug, str) else None
    if segment is None:
        if segment_slug in (None, ""):
            errors.add("segment", _("This field is required."))
        else:
            errors.add("segment", _("Unknown segment; see GET /api/v1/segments/."))
        raise ValidationFailed(_("The lead is not valid."), fields=errors.fields)

    draft = LeadDraft(
        segment=segment,
        external_id=_text(data, "external_id", errors, max_length=128, required=True),
        first_name=_text(data, "first_name", errors, max_length=MAX_NAME_LENGTH, required=True),
        last_name=_text(data, "last_name", errors, max_length=MAX_NAME_LENGTH),
    )

    country = data.get("country")
    if not isinstance(country, str) or not country.strip():
        errors.add("country", _("This field is required (ISO 3166 code such as PL)."))
        country = ""
    else:
        country = country.strip().upper()
        if not is_known_country(country):
            errors.add("country", _("Unknown country; use an ISO 3166 code such as PL, RO, US."))
            country = ""
    draft.country = country

    region = _text(data, "region", errors, max_length=16).upper()
    if region and (
        not _REGION_RE.match(region) or (country and not region.startswith(country + "-"))
    ):
        errors.add(
            "region",
            # Translators: example is a region code such as PL-MZ.
            _("Must be an ISO 3166-2 code of the country, such as %(example)s.")
            % {"example": f"{country or 'PL'}-MZ"},
        )
    draft.region = region
    draft.city = _text(data, "city", errors, max_length=128)
    draft.postal_code = _text(data, "postal_code", errors, max_length=16)

    phone = _text(data, "phone", errors, max_length=64)
    email = _text(data, "email", errors, max_length=320)
    if not phone and not email and "phone" not in errors.fields and "email" not in errors.fields:
        errors.add("phone", _("Give a phone or an email (or both)."))
    if phone and country:
        try:
            draft.phone = normalize_phone(phone, country=country)
            draft.phone_index = blind_index("phone", draft.phone)
        except NormalizationError as exc:
            errors.add("phone", str(exc))
    if email:
        try:
            draft.email = normalize_email(email)
            draft.email_index = blind_index("email", draft.email)
        except NormalizationError as exc:
            errors.add("email", str(exc))

    draft.temperature = _choice(data, "temperature", Temperature, errors)
    draft.source = _choice(data, "source", LeadSource, errors)
    draft.captured_at = _timestamp(data.get("captured_at"), "captured_at", errors, now=now)
    _consent(data, draft, errors, now)
    _qualification(data, draft, errors)
    _attributes(data, draft, errors)

    price = data.get("price")
    draft.price_cents = (
        segment.default_price_cents if price is None else (_money(price, "price", errors) or 0)
    )
    if "cpa_price" not in data:
        draft.cpa_price_cents = segment.default_cpa_price_cents
    elif data["cpa_price"] is None:
        draft.cpa_price_cents = None  # explicitly null: CPA is not offered
    else:
        draft.cpa_price_cents = _money(data["cpa_price"], "cpa_price", errors)

    max_sales = data.get("max_sales", 1)
    if max_sales is None:
        max_sales = 1
    if isinstance(max_sales, bool) or not isinstance(max_sales, int):
        errors.add("max_sales", _("Must be a whole number."))
    elif not 1 <= max_sales <= segment.max_sales_limit:
        errors.add(
            "max_sales",
            _("Must be from 1 to %(limit)s in %(segment)s.")
            % {"limit": segment.max_sales_limit, "segment": segment.slug},
        )
    else:
        draft.max_sales = max_sales

    if errors:
        raise ValidationFailed(_("The lead is not valid."), fields=errors.fields)
    return draft
