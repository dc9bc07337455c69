"""Reading a page's in-place form errors, as the tests of the web forms check them."""

from __future__ import annotations

import re
from html import unescape


def _text(markup: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def field_error(page: str, field_id: str) -> str:
    """The error text beside the input ``field_id``; the input must be marked invalid and
    point at that text (``aria-invalid``, ``aria-describedby``)."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]* id="{re.escape(field_id)}"[^>]*>', page)
    assert tag, f"no input {field_id}"
    assert 'aria-invalid="true"' in tag.group(0), tag.group(0)
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described, tag.group(0)
    assert f"{field_id}_errors" in described.group(1).split(), tag.group(0)
    errors = re.search(
        rf'<ul class="errorlist" id="{re.escape(field_id)}_errors">(.*?)</ul>', page, re.S
    )
    assert errors, f"no errors beside {field_id}"
    return _text(errors.group(1))


def form_errors(page: str) -> list[str]:
    """The texts of the errors at the top of the page's forms (not of one field)."""
    return [
        _text(block)
        for block in re.findall(r'<div class="form-errors" role="alert">(.*?)</div>', page, re.S)
    ]
