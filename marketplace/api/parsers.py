"""A JSON parser that answers every malformed body with a 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _reject_constant(name: str) -> Any:
    raise ParseError(f"JSON does not allow {name}.")


def check_json_value(value: Any) -> None:
    """Refuse NUL characters (PostgreSQL cannot store them) and deep nesting."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(item, str):
            if "\x00" in item:
                raise ParseError("Text may not contain NUL characters.")
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    raise ParseError("Text may not contain NUL characters.")
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
            data = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as exc:
            raise ParseError(f"Malformed JSON: {exc}") from None
        check_json_value(data)
        return data
