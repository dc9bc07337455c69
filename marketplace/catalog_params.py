"""The catalog's query string → ``CatalogFilters`` and a page size (the cursor: catalog_cursor).

One implementation for the API and the buyer's page. Every problem is
collected and raised as one ``ValidationFailed`` (422) with ``fields``, so a
malformed, hostile or oversized value never reaches the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import phonenumbers
from django.utils.translation import gettext as _

from marketplace.errors import ValidationFailed
from marketplace.models import BillingModel, Segment, Temperature
from marketplace.money import MoneyFormatError, parse_amount
from marketplace.selectors.catalog import AttributeFilter, CatalogFilters
from marketplace.selectors.segments import active_segments_by_slug

ATTRIBUTE_PREFIX = "attr."
MAX_ATTRIBUTE_FILTERS = 20
MAX_AGE_HOURS = 24 * 366 * 10
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_TEXT = 200

_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_INT_RE = re.compile(r"^-?[0-9]{1,15}$")
_NUMBER_RE = re.compile(r"^-?[0-9]{1,15}(?:\.[0-9]{1,6})?$")
_NUMERIC = ("integer", "number")


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, problem: str) -> None:
        self.fields.setdefault(name, []).append(problem)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(_("Some filters are not valid."), fields=self.fields)


def _text(params: Mapping[str, str], name: str) -> str:
    value = params.get(name) or ""
    return value.strip()


def _whole(
    params: Mapping[str, str], name: str, errors: _Errors, low: int, high: int
) -> int | None:
    raw = _text(params, name)
    if not raw:
        return None
    if not _INT_RE.match(raw) or not low <= int(raw) <= high:
        errors.add(
            name, _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
        return None
    return int(raw)


def _property_type(prop: object) -> str | None:
    if not isinstance(prop, dict):
        return None
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and isinstance(prop.get("enum"), list) and prop["enum"]:
        kind = "string" if all(isinstance(v, str) for v in prop["enum"]) else None
    return kind if kind in ("integer", "number", "string", "boolean") else None


def numeric_attributes(segment: Segment) -> list[str]:
    """The attributes of ``segment``'s schema that take range filters (_min, _max)."""
    properties = (segment.fields or {}).get("properties") or {}
    return [name for name, prop in properties.items() if _property_type(prop) in _NUMERIC]


def _attribute_value(kind: str, raw: str, prop: dict) -> tuple[object, str | None]:
    """The typed value of one attribute filter, or an error message."""
    if kind == "integer":
        if not _INT_RE.match(raw):
            return None, _("Enter a whole number.")
        return int(raw), None
    if kind == "number":
        if not _NUMBER_RE.match(raw):
            return None, _("Enter a number.")
        return (float(raw) if "." in raw else int(raw)), None
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            return None, _("Enter true or false.")
        return raw.lower() == "true", None
    if len(raw) > MAX_TEXT:
        return None, _("At most %(n)s characters.") % {"n": MAX_TEXT}
    enum = prop.get("enum")
    if isinstance(enum, list) and raw not in enum:
        return None, _("Must be one of: %(values)s.") % {"values": ", ".join(map(str, enum))}
    return raw, None


def _attribute_filters(
    params: Mapping[str, str], segment: Segment | None, errors: _Errors
) -> tuple[AttributeFilter, ...]:
    keys = [key for key in params if key.startswith(ATTRIBUTE_PREFIX)]
    keys = [key for key in keys if _text(params, key)]  # an empty form field: no filter
    if not keys:
        return ()
    if len(keys) > MAX_ATTRIBUTE_FILTERS:
        errors.add(
            "attributes", _("At most %(n)s attribute filters.") % {"n": MAX_ATTRIBUTE_FILTERS}
        )
        return ()
    if segment is None:
        errors.add("segment", _("Choose a segment to filter on its attributes."))
        return ()
    properties = (segment.fields or {}).get("properties") or {}
    found = []
    for key in sorted(keys):
        name, op = key[len(ATTRIBUTE_PREFIX) :], "eq"
        if name not in properties and name.endswith(("_min", "_max")):
            name, op = name[:-4], "gte" if name.endswith("_min") else "lte"
        prop = properties.get(name)
        kind = _property_type(prop)
        if prop is None:
            errors.add(key, _("The segment has no attribute of this name."))
            continue
        if kind is None or (op != "eq" and kind not in _NUMERIC):
            errors.add(key, _("This attribute cannot be filtered this way."))
            continue
        value, problem = _attribute_value(kind, _text(params, key), prop)
        if problem:
            errors.add(key, problem)
            continue
        found.append(AttributeFilter(name=name, op=op, value=value))
    return tuple(found)


def catalog_filters_parse(params: Mapping[str, str]) -> CatalogFilters:
    """Query parameters → filters; raises ``ValidationFailed`` listing every problem."""
    errors = _Errors()
    for key in params:
        value = params.get(key) or ""
        if "\x00" in key or "\x00" in value or len(value) > 1000:
            raise ValidationFailed(
                _("Some filters are not valid."),
                fields={key[:50].replace("\x00", ""): [_("Not an acceptable value.")]},
            )

    segment = active = None
    slug = _text(params, "segment")
    if slug:
        if _SLUG_RE.match(slug):
            active = active_segments_by_slug()
            segment = active.get(slug)
        if segment is None:
            errors.add("segment", _("Unknown segment; see GET /api/v1/segments/."))

    country = _text(params, "country").upper() or None
    if country and (
        not _COUNTRY_RE.match(country) or country not in phonenumbers.SUPPORTED_REGIONS
    ):
        errors.add("country", _("Unknown country; use an ISO 3166 code such as PL."))
    region = _text(params, "region").upper() or None
    if region and not _REGION_RE.match(region):
        errors.add("region", _("Use an ISO 3166-2 code such as PL-MZ."))

    temperature = _text(params, "temperature").lower() or None
    if temperature and temperature not in Temperature.values:
        errors.add(
            "temperature",
            _("Must be one of: %(values)s.") % {"values": ", ".join(Temperature.values)},
        )

    billing_model = _text(params, "billing_model").lower() or None
    if billing_model and billing_model not in BillingModel.values:
        errors.add("billing_model", _("Must be cpl or cpa."))

    max_price_cents = None
    raw_price = _text(params, "max_price")
    if raw_price:
        try:
            max_price_cents = parse_amount(raw_price)
        except MoneyFormatError as exc:
            errors.add("max_price", str(exc))

    min_rating = _whole(params, "min_rating", errors, 0, 100)
    max_age_hours = _whole(params, "max_age_hours", errors, 1, MAX_AGE_HOURS)
    attributes = _attribute_filters(params, segment, errors)
    errors.raise_if_any()
    return CatalogFilters(
        segment=segment,
        country=country,
        region=region,
        temperature=temperature,
        max_price_cents=max_price_cents,
        billing_model=billing_model,
        min_rating=min_rating,
        max_age_hours=max_age_hours,
        attributes=attributes,
        active=None if active is None else tuple(active.values()),
    )


def limit_parse(params: Mapping[str, str]) -> int:
    """``?limit=``: 1..200 (larger asks get 200), default 50."""
    errors = _Errors()
    value = _whole(params, "limit", errors, 1, 10**9)
    errors.raise_if_any()
    return DEFAULT_LIMIT if value is None else min(value, MAX_LIMIT)
