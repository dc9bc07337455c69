"""The catalog's keyset cursor, and the count it carries from page to page.

A cursor is the position a page starts after (``created_at``, ``id``). From the first
page on it also carries that page's count, sealed with the buyer and the filters it was
counted for: deeper pages of the same list answer it without counting again, which was
most of a deep page's time. A list that changed meanwhile shows its count as of the
first page (the pages themselves are as of each request) for ``COUNT_CARRY_SECONDS``,
then a page counts again and carries the new count. A cursor of another buyer, other
filters, a tampered or an old one is still a valid position: it only counts again.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from marketplace.errors import ValidationFailed
from marketplace.selectors.catalog import CatalogCount, CatalogPosition, CatalogQuery, catalog_count

COUNT_CARRY_SECONDS = 300
_CURSOR_MAX = 300
_NUMBER_MAX_DIGITS = 12
_NOT_LIST_PARAMS = ("cursor", "limit")


@dataclass(frozen=True)
class CatalogCursor:
    """What ``?cursor=`` says for this buyer and these filters (``scope``): where the
    page starts (None: the first page) and, when the cursor carries one for this scope
    that is still young enough, the first page's count and when it was made (epoch
    seconds)."""

    scope: str
    position: CatalogPosition | None = None
    count: CatalogCount | None = None
    counted_at: int = 0


@dataclass(frozen=True)
class ListedCount:
    """A page's count, and the cursor of the page after it (None: the last page), which
    carries that count."""

    count: CatalogCount
    next_cursor: str | None


def catalog_scope(params: Mapping[str, str], buyer_id: object) -> str:
    """What a carried count was counted for: the buyer and the list's filters (every
    parameter but the cursor and the page size), in a stable order."""
    getlist = getattr(params, "getlist", None)
    items = sorted(
        (key, value)
        for key in params
        if key not in _NOT_LIST_PARAMS
        for value in (getlist(key) if getlist else [params[key]])
    )
    return f"{buyer_id}|{items!r}"


def _seal(scope: str, value: int, exact: int, counted_at: int) -> str:
    message = f"{scope}|{value}|{exact}|{counted_at}"
    return salted_hmac("marketplace.catalog-count", message).hexdigest()[:20]


def cursor_encode(
    position: CatalogPosition,
    *,
    count: CatalogCount | None = None,
    counted_at: int = 0,
    scope: str = "",
) -> str:
    raw = f"{position.created_at.isoformat()}|{position.id}"
    if count is not None:
        exact = int(count.exact)
        seal = _seal(scope, count.value, exact, counted_at)
        raw += f"|{count.value}|{exact}|{counted_at}|{seal}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(params: Mapping[str, str], *, buyer_id: object, now: float) -> CatalogCursor:
    """``?cursor=`` from a previous page's ``next`` (or none: the first page) for this
    buyer; anything else is a 422."""
    scope = catalog_scope(params, buyer_id)
    raw = (params.get("cursor") or "").strip()
    if not raw:
        return CatalogCursor(scope=scope)
    problem = ValidationFailed(
        _("The cursor is not valid; use the next link of the previous page."),
        fields={"cursor": [_("Not a cursor from this list.")]},
    )
    if len(raw) > _CURSOR_MAX:
        raise problem
    try:
        parts = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().split("|")
        created_at = datetime.fromisoformat(parts[0])
        position = CatalogPosition(created_at=created_at, id=uuid.UUID(parts[1]))
    except (binascii.Error, UnicodeDecodeError, ValueError, IndexError):
        raise problem from None
    if created_at.tzinfo is None or len(parts) not in (2, 6):
        raise problem
    if len(parts) == 2:
        return CatalogCursor(scope=scope, position=position)
    value, exact, counted_at, seal = parts[2:]
    numbers = (value, counted_at)
    if exact not in ("0", "1") or not all(
        text.isascii() and text.isdigit() and len(text) <= _NUMBER_MAX_DIGITS for text in numbers
    ):
        raise problem
    sealed = _seal(scope, int(value), int(exact), int(counted_at))
    if not hmac.compare_digest(seal, sealed) or not 0 <= now - int(counted_at) <= (
        COUNT_CARRY_SECONDS
    ):
        return CatalogCursor(scope=scope, position=position)
    count = CatalogCount(value=int(value), exact=exact == "1")
    return CatalogCursor(scope=scope, position=position, count=count, counted_at=int(counted_at))


def page_count(
    *,
    query: CatalogQuery,
    cursor: CatalogCursor,
    rows: int,
    next_position: CatalogPosition | None,
) -> ListedCount:
    """The count of the list a page of ``rows`` rows belongs to: the one the cursor
    carries; else, when this first page is the whole list, its rows; else counted now.
    With the cursor of the next page (``next_position``), carrying it."""
    if cursor.count is not None:
        count, counted_at = cursor.count, cursor.counted_at
    else:
        counted_at = int(query.now.timestamp())
        if cursor.position is None and next_position is None:
            count = CatalogCount(value=rows, exact=True)
        else:
            count = catalog_count(query=query)
    next_cursor = (
        None
        if next_position is None
        else cursor_encode(next_position, count=count, counted_at=counted_at, scope=cursor.scope)
    )
    return ListedCount(count=count, next_cursor=next_cursor)
