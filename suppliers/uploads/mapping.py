"""File columns → the API's lead fields.

A file's columns are the lead's JSON field names with nested ones flattened
(``consent_text``, ``qualification_budget``) and segment attributes by their
own names (API.md). Suppliers' spreadsheets rarely say so: headers are matched
after normalization (case, accents, punctuation) against the field names,
common synonyms in English, Polish, Romanian and Russian, and what this
supplier chose for the same header before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.models import Segment
from suppliers.uploads.reading import Formula
from suppliers.uploads.synonyms import SYNONYMS

# Upload columns and their labels, in the order the mapping page lists them.
FIELDS: dict[str, object] = {
    "external_id": _("External id"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "phone": _("Phone"),
    "email": _("Email"),
    "country": _("Country"),
    "region": _("Region"),
    "city": _("City"),
    "postal_code": _("Postal code"),
    "temperature": _("Temperature"),
    "source": _("Source"),
    "captured_at": _("Captured at"),
    "consent_text": _("Consent text"),
    "consent_captured_at": _("Consent captured at"),
    "consent_ip": _("Consent IP"),
    "consent_page_url": _("Consent page URL"),
    "consent_certificate_url": _("Consent certificate URL"),
    "qualification_budget": _("Qualification: budget"),
    "qualification_authority": _("Qualification: authority"),
    "qualification_need": _("Qualification: need"),
    "qualification_timeline": _("Qualification: timeline"),
    "price": _("Price"),
    "cpa_price": _("CPA price"),
    "max_sales": _("Max sales"),
}
REQUIRED_FIELDS = ("first_name", "country", "consent_text", "consent_captured_at")
CONTACT_FIELDS = ("phone", "email")
_NESTED = {"consent_": "consent", "qualification_": "qualification"}
_BOOLEAN_QUALIFICATION = ("qualification_budget", "qualification_authority", "qualification_need")

_TRUE = {"true", "yes", "y", "1", "t", "tak", "da", "да", "x"}
_FALSE = {"false", "no", "n", "0", "f", "nie", "nu", "нет"}


def normalize_header(text: str) -> str:
    """Case, accents and punctuation ignored: "Imię", "imie" and "IMIE " are one header."""
    text = text.replace("ł", "l").replace("Ł", "l")  # Polish ł does not decompose
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", "_", stripped).strip("_")


_SYNONYM_INDEX: dict[str, str] = {}
for _field, _words in SYNONYMS.items():
    for _word in (_field, *_words):
        _SYNONYM_INDEX.setdefault(normalize_header(_word), _field)


def segment_attributes(segment: Segment) -> dict[str, str]:
    """Attribute name → JSON schema type ("integer", "number", "boolean", "string")."""
    properties = (segment.fields or {}).get("properties") or {}
    out: dict[str, str] = {}
    for name, schema in properties.items():
        kind = schema.get("type") if isinstance(schema, dict) else None
        out[str(name)] = kind if isinstance(kind, str) else "string"
    return out


def field_choices(segment: Segment) -> list[tuple[str, str]]:
    """Every target a column may be mapped to: lead fields, then the segment's attributes."""
    choices = [(name, str(label)) for name, label in FIELDS.items()]
    for name in segment_attributes(segment):
        if name not in FIELDS:
            choices.append((name, f"{segment.name}: {name}"))
    return choices


def auto_map(
    headers: Sequence[str], *, segment: Segment, memory: Mapping[str, str] | None = None
) -> dict[int, str]:
    """Column index → field, for the columns we can recognise. The supplier's own
    earlier choice wins, then a field's name, then a synonym, then an attribute."""
    memory = memory or {}
    attributes = {normalize_header(name): name for name in segment_attributes(segment)}
    targets = set(FIELDS) | set(attributes.values())
    mapped: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = normalize_header(header)
        if not key:
            continue
        if key in memory:
            target = memory[key]
            if target in targets and target not in mapped.values():
                mapped[index] = target
            continue  # also "" — the supplier chose to ignore this column
        # A field's own name, then an attribute's (travel's "budget" is an amount,
        # not BANT's yes/no), then a synonym.
        target = key if key in FIELDS else attributes.get(key) or _SYNONYM_INDEX.get(key)
        if target is not None and target not in mapped.values():
            mapped[index] = target
    return mapped


def missing_required(mapped: Mapping[int, str]) -> list[str]:
    present = set(mapped.values())
    missing = [name for name in REQUIRED_FIELDS if name not in present]
    if not present & set(CONTACT_FIELDS):
        missing.append("phone or email")
    return missing


def apply_column_map(
    headers: Sequence[str],
    column_map: Mapping[object, object],
    *,
    segment: Segment,
    base: Mapping[int, str],
) -> tuple[dict[int, str], dict[str, list[str]]]:
    """The supplier's explicit choices (header name → field, or empty to ignore) over
    ``base``; returns the mapping and the problems, by header."""
    targets = {name for name, _label in field_choices(segment)}
    by_header: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_header.setdefault(header, index)
    mapped = dict(base)
    problems: dict[str, list[str]] = {}
    for raw_header, raw_field in column_map.items():
        header = str(raw_header)
        if header not in by_header:
            problems.setdefault(header, []).append(gettext("There is no such column in the file."))
            continue
        index = by_header[header]
        if raw_field in (None, ""):
            mapped.pop(index, None)
            continue
        if not isinstance(raw_field, str) or raw_field not in targets:
            problems.setdefault(header, []).append(
                gettext(
                    "Unknown field; use a lead field name (e.g. phone, consent_text) "
                    "or an attribute of the segment."
                )
            )
            continue
        for other, target in list(mapped.items()):
            if target == raw_field and other != index:
                del mapped[other]  # an explicit choice takes the field from an automatic one
        mapped[index] = raw_field
    return mapped, problems


def memory_update(
    memory: Mapping[str, str], headers: Sequence[str], mapped: Mapping[int, str]
) -> dict[str, str]:
    """Remember, per normalized header, which field the supplier used (or none)."""
    updated = dict(memory)
    for index, header in enumerate(headers):
        key = normalize_header(header)
        if key:
            updated[key] = mapped.get(index, "")
    return updated


# --- one row → the API's lead -----------------------------------------------------------------


@dataclass(frozen=True)
class RowPlan:
    """How to turn one row into the API's lead dict, built once per upload."""

    segment_slug: str
    columns: tuple[tuple[int, str], ...]  # (column index, field)
    attribute_types: Mapping[str, str]
    width: int  # columns in the header

    @cached_property
    def steps(self) -> tuple[tuple[int, str, int, str, str], ...]:
        """(column index, field, ``_step``) of each mapped column, in column order."""
        return tuple(
            (index, target, *_step(target, self.attribute_types)) for index, target in self.columns
        )


def _boolean(value: str) -> object:
    word = value.strip().casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return value  # validation says what is wrong with it


def _number(value: str, kind: str) -> object:
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    try:
        if kind == "integer":
            number = float(text.replace(",", ".")) if "." in text or "," in text else int(text)
            if isinstance(number, float):
                return int(number) if number.is_integer() else value
            return number
        return float(text.replace(",", "."))
    except ValueError:
        return value


def _max_sales(value: str) -> object:
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return value
    return int(number) if number.is_integer() else value


# What row_to_payload does with a column's value, decided once per plan.
_NUMBER, _BOOLEAN, _TEXT, _QUALIFICATION, _MAX_SALES, _UPPER, _NESTED_FIELD, _FIELD = range(8)


def _step(target: str, attribute_types: Mapping[str, str]) -> tuple[int, str, str]:
    """(what to do, key, parent or number kind) for a column mapped to ``target``."""
    if target in attribute_types and target not in FIELDS:
        kind = attribute_types[target]
        if kind in ("integer", "number"):
            return _NUMBER, target, kind
        return (_BOOLEAN if kind == "boolean" else _TEXT), target, ""
    if target in _BOOLEAN_QUALIFICATION:
        return _QUALIFICATION, target.split("_", 1)[1], "qualification"
    if target == "max_sales":
        return _MAX_SALES, target, ""
    if target in ("country", "region"):
        return _UPPER, target, ""
    for prefix, parent in _NESTED.items():
        if target.startswith(prefix):
            return _NESTED_FIELD, target[len(prefix) :], parent
    return _FIELD, target, ""


def width_note(cells: Sequence[str], plan: RowPlan) -> str:
    """Why a row's cells do not line up with the header (too many or too few)."""
    return gettext("the row has %(cells)s cells but the header has %(columns)s columns") % {
        "cells": len(cells),
        "columns": plan.width,
    }


def row_to_payload(
    cells: Sequence[str], plan: RowPlan, *, default_external_id: str
) -> tuple[dict, list[str]]:
    """The lead as the API would receive it, and the row's own problems (cells that
    are not values at all); field rules are ``validate_lead``'s business."""
    problems: list[str] = []
    if len(cells) > plan.width and any(cell.strip() for cell in cells[plan.width :]):
        problems.append(width_note(cells, plan))
    payload: dict = {"segment": plan.segment_slug}
    attributes: dict = {}
    count = len(cells)
    for index, target, step, key, extra in plan.steps:
        if index >= count:
            continue
        value = cells[index]
        if type(value) is not str and isinstance(value, Formula):
            # The field's name stays first: the report's reason key is read from it.
            text = gettext("a formula (%(formula)s); save the sheet with values")
            problems.append(f"{target}: " + text % {"formula": value[:40]})
            continue
        value = value.strip()
        if not value:
            continue
        if step == _FIELD:
            payload[key] = value
        elif step == _NESTED_FIELD:
            nested = payload.get(extra)
            if nested is None:
                nested = payload[extra] = {}
            nested[key] = value
        elif step == _UPPER:
            payload[key] = value.upper()
        elif step == _NUMBER:
            attributes[key] = _number(value, extra)
        elif step == _TEXT:
            attributes[key] = value
        elif step == _BOOLEAN:
            attributes[key] = _boolean(value)
        elif step == _QUALIFICATION:
            payload.setdefault(extra, {})[key] = _boolean(value)
        else:
            payload[key] = _max_sales(value)
    if attributes:
        payload["attributes"] = attributes
    if not payload.get("external_id"):
        payload["external_id"] = default_external_id
    return payload, problems


def build_plan(*, segment: Segment, mapped: Mapping[int, str], width: int) -> RowPlan:
    return RowPlan(
        segment_slug=segment.slug,
        columns=tuple(sorted(mapped.items())),
        attribute_types=segment_attributes(segment),
        width=width,
    )
