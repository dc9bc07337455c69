"""A JSON parser that answers every malformed body with a 400, never a 500."""

from __future__ import annotations

import json
import math
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _reject_constant(name: str) -> Any:
    raise ParseError(f"JSON does not allow {name}.")


def _parse_float(text: str) -> float:
    # 1e999 parses as inf: PostgreSQL's jsonb refuses it and no field means it.
    value = float(text)
    if not math.isfinite(value):
        raise ParseError(f"The number {text[:20]} is too large.")
    return value


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ParseError("Text may not contain NUL characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # "\ud800" escapes decode to lone surrogates, which cannot be stored or rendered.
        raise ParseError("Text may not contain unpaired surrogate escapes.") from None


def check_json_value(value: Any) -> None:
    """Refuse NUL characters and lone surrogates (PostgreSQL cannot store them) and
    deep nesting."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("The body is not valid UTF-8.") from None
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            data = json.loads(text, parse_constant=_reject_constant, parse_float=_parse_float)
        except RecursionError:
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as exc:
            raise ParseError(f"Malformed JSON: {exc}") from None
        check_json_value(data)
        return data
