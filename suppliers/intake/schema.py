"""A fast "valid" answer for segments' attribute schemas of the usual shape.

Segments describe their attributes as a flat JSON-schema object (typed
properties with bounds, enums, lengths and patterns; ``required``; no extra
properties). ``quick_check`` compiles such a schema into a plain-Python
predicate that says True only when jsonschema would find nothing wrong; on
False (or for any other schema: None) the caller runs jsonschema for its exact
messages. ``tests/suppliers/test_schema_fast_path.py`` compares both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_KNOWN = {"type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "description"}
_TYPES = {"integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,)}
_BOUNDED = ("integer", "number")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _property_check(schema: object) -> Callable[[object], bool] | None:
    if not isinstance(schema, dict) or set(schema) - _KNOWN:
        return None
    kind = schema.get("type")
    if kind not in _TYPES:
        return None
    types = _TYPES[kind]
    enum = schema.get("enum")
    if enum is not None and not (
        isinstance(enum, list) and all(type(item) is str for item in enum) and kind == "string"
    ):
        return None
    low, high = schema.get("minimum"), schema.get("maximum")
    shortest, longest = schema.get("minLength"), schema.get("maxLength")
    if any(x is not None and not _number(x) for x in (low, high)):
        return None
    if any(x is not None and type(x) is not int for x in (shortest, longest)):
        return None
    if kind not in _BOUNDED and (low is not None or high is not None):
        return None
    if kind != "string" and (shortest is not None or longest is not None or "pattern" in schema):
        return None
    try:
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    except (re.error, TypeError):
        return None
    choices = frozenset(enum) if enum is not None else None

    def check(value: object) -> bool:
        if type(value) not in types:  # exact types: bool is not an integer, 1.0 goes slow
            return False
        if low is not None and value < low:
            return False
        if high is not None and value > high:
            return False
        if kind == "string":
            if choices is not None and value not in choices:
                return False
            if shortest is not None and len(value) < shortest:
                return False
            if longest is not None and len(value) > longest:
                return False
            if pattern is not None and not pattern.search(value):
                return False
        return True

    return check


def quick_check(schema: object) -> Callable[[Mapping], bool] | None:
    """A predicate for a flat object schema (True: valid), or None for other schemas."""
    if not isinstance(schema, dict) or set(schema) - {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "description",
        "title",
        "$schema",
    }:
        return None
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if (
        schema.get("type") != "object"
        or schema.get("additionalProperties", True) is not False
        or not isinstance(properties, dict)
        or not isinstance(required, list)
        or not all(isinstance(name, str) for name in required)
    ):
        return None
    checks = {}
    for name, subschema in properties.items():
        check = _property_check(subschema)
        if check is None:
            return None
        checks[name] = check
    needed = frozenset(required)

    def valid(attributes: Mapping) -> bool:
        if not needed <= attributes.keys():
            return False
        for name, value in attributes.items():
            check = checks.get(name)
            if check is None or not check(value):
                return False
        return True

    return valid
