"""The catalog: the leads a buyer can buy now, newest first.

A lead is listed for a buyer when it is available with sales left, younger
than its segment's freshness limit (even before the expiry task marks it),
not its own, not from a suspended supplier, not bought by this buyer, and not
a person this buyer bought in the segment within the segment's dedup window.

Everything that depends on a segment's rules (freshness, age discounts, dedup
window) is turned into plain comparisons per segment before the query is
built (``catalog_sql``), so the SQL stays a range scan of the partial catalog
indexes (migration 0005): the listed price is "own price ≤ threshold" per age
band, the freshness limit is ``created_at >=`` per segment plus one global bound.

Pages are keyset pages on ``(created_at, id)`` (never OFFSET); the count is
exact up to ``EXACT_COUNT_LIMIT`` and an extrapolation beyond.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.db import connection
from django.utils.dateparse import parse_datetime

from marketplace.models import Lead, Organization, Segment
from marketplace.previews import EMPTY_PREVIEW
from marketplace.selectors.catalog_sql import (
    CatalogCondition,
    catalog_condition,
    freshness_cutoff,
)
from marketplace.selectors.segments import active_segments_by_slug

__all__ = ["freshness_cutoff"]  # re-exported: the expiry task's rule is the catalog's

EXACT_COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class AttributeFilter:
    """One condition on a segment attribute; ``op`` is eq, gte or lte."""

    name: str
    op: Literal["eq", "gte", "lte"]
    value: object


@dataclass(frozen=True)
class CatalogFilters:
    segment: Segment | None = None
    country: str | None = None
    region: str | None = None
    temperature: str | None = None
    max_price_cents: int | None = None
    billing_model: str | None = None
    min_rating: int | None = None
    max_age_hours: int | None = None
    attributes: tuple[AttributeFilter, ...] = field(default_factory=tuple)
    # The active segments as the parser read them to find ``segment`` (the process's
    # copy, checked once a request); None: read when the query is built.
    active: tuple[Segment, ...] | None = None


@dataclass(frozen=True)
class CatalogPosition:
    """Where a keyset page starts: after this (created_at, id), newest first."""

    created_at: datetime
    id: object


@dataclass(frozen=True, slots=True)
class CatalogSupplier:
    pk: object
    name: str
    rating_score: int | None
    rating_tier: str


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """A listed lead as a page shows it: the shown columns only (never an encrypted
    personal field: nothing to decrypt, nothing to leak by mistake), its segment and
    its supplier's name and rating."""

    pk: object
    segment: Segment
    supplier: CatalogSupplier
    country: str
    region: str
    city: str
    temperature: str
    source: str
    captured_at: datetime | None
    created_at: datetime
    attributes: dict
    qualification: dict
    price_cents: int
    cpa_price_cents: int | None
    max_sales: int
    sales_count: int
    preview: dict

    @property
    def sales_remaining(self) -> int:
        return max(self.max_sales - self.sales_count, 0)


@dataclass(frozen=True)
class CatalogPage:
    leads: list[CatalogRow]
    next_position: CatalogPosition | None
    now: datetime


@dataclass(frozen=True)
class CatalogCount:
    value: int
    exact: bool


@dataclass(frozen=True)
class CatalogQuery:
    """The catalog for one buyer at one instant: its rules as one SQL condition, the
    segments in scope, and the oldest ``created_at`` any listed lead can have (the range
    the count extrapolates over). ``condition`` is None when no segment is in scope."""

    condition: CatalogCondition | None
    segments: dict[object, Segment]
    since: datetime
    now: datetime


def _segment_scope(filters: CatalogFilters) -> list[Segment]:
    # The process's copy of the active segments, checked against the rows' version
    # (one tiny query, once a request: the parser's, when it read a segment filter):
    # shared instances, read only.
    segments = filters.active
    if segments is None:
        segments = tuple(active_segments_by_slug().values())
    if filters.segment is not None:
        return [segment for segment in segments if segment.pk == filters.segment.pk]
    return list(segments)


def catalog_query(*, buyer: Organization, filters: CatalogFilters, now: datetime) -> CatalogQuery:
    """Every lead ``buyer`` can buy at ``now`` under ``filters``."""
    segments = _segment_scope(filters)
    if not segments:
        return CatalogQuery(condition=None, segments={}, since=now, now=now)
    # One global lower bound on created_at: the index range the scan walks.
    oldest = min(freshness_cutoff(segment, now) for segment in segments)
    if filters.max_age_hours is not None:
        oldest = max(oldest, now - timedelta(hours=filters.max_age_hours))
    condition = catalog_condition(
        buyer=buyer, filters=filters, segments=segments, oldest=oldest, now=now
    )
    return CatalogQuery(
        condition=condition,
        segments={segment.pk: segment for segment in segments},
        since=oldest,
        now=now,
    )


# The page: the keyset scan finds the page's ids from a catalog index alone (every plain
# filter column is in it), then only those rows are read from the table, with their
# suppliers (a deferred join: an index scan would read a table row for every entry a
# filter rejects). One statement per page, whatever its rows.
_PAGE_COLUMNS = """
    "marketplace_lead"."id", "marketplace_lead"."segment_id", "marketplace_lead"."country",
    "marketplace_lead"."region", "marketplace_lead"."city", "marketplace_lead"."temperature",
    "marketplace_lead"."source", "marketplace_lead"."captured_at",
    "marketplace_lead"."created_at", "marketplace_lead"."attributes",
    "marketplace_lead"."qualification", "marketplace_lead"."price_cents",
    "marketplace_lead"."cpa_price_cents", "marketplace_lead"."max_sales",
    "marketplace_lead"."sales_count", "marketplace_lead"."preview",
    o.id, o.name, o.rating_score, o.rating_tier"""

_PAGE_SQL = """
SELECT {columns}
FROM (
    SELECT v0.id FROM marketplace_lead v0 WHERE {condition}
    ORDER BY v0.created_at DESC, v0.id DESC LIMIT %s
) page
JOIN marketplace_lead ON "marketplace_lead"."id" = page.id
JOIN marketplace_organization o ON o.id = "marketplace_lead"."supplier_id"
ORDER BY "marketplace_lead"."created_at" DESC, "marketplace_lead"."id" DESC
"""

_BEFORE = " AND (v0.created_at, v0.id) < (%s, %s)"


def catalog_page_sql(
    query: CatalogQuery,
    *,
    limit: int,
    after: CatalogPosition | None = None,
    columns: tuple[str, tuple] = (_PAGE_COLUMNS, ()),
) -> tuple[str, tuple]:
    """The SQL and parameters of one keyset page of ``query`` (one row more than
    ``limit``, to tell whether another page follows); ``columns``: the select list
    and its parameters."""
    assert query.condition is not None
    condition, params = query.condition.sql, (*columns[1], *query.condition.params)
    if after is not None:
        # A row comparison: the bound of a backward scan of the (created_at, id) indexes.
        condition += _BEFORE
        lead_id = Lead._meta.pk.get_db_prep_value(after.id, connection)
        when = Lead._meta.get_field("created_at").get_db_prep_value(after.created_at, connection)
        params = (*params, when, lead_id)
    return _PAGE_SQL.format(columns=columns[0], condition=condition), (*params, limit + 1)


def _json(value) -> dict:
    # Django's PostgreSQL backend hands JSON over as text (JSONField decodes it).
    return json.loads(value) if isinstance(value, str) else value


def _row(values: tuple, segments: dict[object, Segment]) -> CatalogRow:
    (lead_id, segment_id, country, region, city, temperature, source, captured_at,
     created_at, attributes, qualification, price_cents, cpa_price_cents, max_sales,
     sales_count, preview, supplier_id, name, rating_score, rating_tier) = values  # fmt: skip
    return CatalogRow(
        pk=Lead._meta.pk.to_python(lead_id),
        segment=segments[segment_id],
        supplier=CatalogSupplier(
            pk=Organization._meta.pk.to_python(supplier_id),
            name=name,
            rating_score=rating_score,
            rating_tier=rating_tier,
        ),
        country=country,
        region=region,
        city=city,
        temperature=temperature,
        source=source,
        captured_at=captured_at,
        created_at=created_at,
        attributes=_json(attributes),
        qualification=_json(qualification),
        price_cents=price_cents,
        cpa_price_cents=cpa_price_cents,
        max_sales=max_sales,
        sales_count=sales_count,
        preview=_json(preview),
    )


def _read_datetime(value) -> datetime | None:
    # SQLite (the demo) gives UTC without a zone (text, or a naive datetime through
    # the backend's converters); PostgreSQL an aware datetime.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def catalog_page(
    *,
    query: CatalogQuery,
    limit: int,
    after: CatalogPosition | None = None,
) -> CatalogPage:
    """One keyset page of ``query`` (from ``catalog_query``)."""
    if query.condition is None:
        return CatalogPage(leads=[], next_position=None, now=query.now)
    sql, params = catalog_page_sql(query, limit=limit, after=after)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if connection.vendor != "postgresql":
        fetched = [(*v[:7], _read_datetime(v[7]), _read_datetime(v[8]), *v[9:]) for v in fetched]
    rows = [_row(values, query.segments) for values in fetched]
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_position = CatalogPosition(created_at=last.created_at, id=last.pk)
    return CatalogPage(leads=rows, next_position=next_position, now=query.now)


# The API's page (PostgreSQL): the same rows with the ids and the JSON columns as text,
# the preview already cut to the three masks the catalog shows (``stored_preview``), so
# the response is written around the stored JSON without decoding and re-encoding it.
_STORED_PREVIEW = (
    'CASE WHEN jsonb_typeof("marketplace_lead"."preview") = \'object\' THEN json_build_object('
    + ", ".join(
        ['%s, COALESCE("marketplace_lead"."preview" -> %s, %s::jsonb)'] * len(EMPTY_PREVIEW)
    )
    + ")::text ELSE %s END"
)
_JSON_COLUMNS = (
    _PAGE_COLUMNS.replace('"marketplace_lead"."id",', '"marketplace_lead"."id"::text,', 1)
    .replace('"marketplace_lead"."attributes"', '"marketplace_lead"."attributes"::text')
    .replace('"marketplace_lead"."qualification"', '"marketplace_lead"."qualification"::text')
    .replace('"marketplace_lead"."preview"', _STORED_PREVIEW)
    .replace("o.id,", "o.id::text,")
)
_JSON_COLUMN_PARAMS = (
    *(
        value
        for name, empty in EMPTY_PREVIEW.items()
        for value in (name, name, json.dumps(empty, ensure_ascii=False))
    ),
    json.dumps(EMPTY_PREVIEW, ensure_ascii=False),
)


@dataclass(frozen=True)
class CatalogJsonPage:
    """A page as ``catalog_items_json`` writes it: ``rows`` in the order of
    ``_PAGE_COLUMNS`` with the ids, attributes, qualification and preview as JSON text."""

    rows: list[tuple]
    next_position: CatalogPosition | None
    now: datetime


def catalog_json_page(
    *, query: CatalogQuery, limit: int, after: CatalogPosition | None = None
) -> CatalogJsonPage:
    """One keyset page of ``query`` as ``catalog_page`` reads it, for the API on
    PostgreSQL: no UUID objects, no JSON decoded."""
    if query.condition is None:
        return CatalogJsonPage(rows=[], next_position=None, now=query.now)
    sql, params = catalog_page_sql(
        query, limit=limit, after=after, columns=(_JSON_COLUMNS, _JSON_COLUMN_PARAMS)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_position = CatalogPosition(created_at=rows[-1][8], id=rows[-1][0])
    return CatalogJsonPage(rows=rows, next_position=next_position, now=query.now)


def catalog_count_sql(query: CatalogQuery) -> tuple[str, tuple]:
    """At most ``EXACT_COUNT_LIMIT + 1`` listed leads (what the count reads), counted,
    with the span of ``created_at`` they cover. Unordered, so the planner may hash the
    anti-joins."""
    assert query.condition is not None
    sql = (
        "SELECT count(*), min(c.created_at), max(c.created_at) FROM"  # noqa: S608
        f" (SELECT v0.created_at FROM marketplace_lead v0 WHERE {query.condition.sql}"
        " LIMIT %s) c"
    )
    return sql, (*query.condition.params, EXACT_COUNT_LIMIT + 1)


def catalog_count(*, query: CatalogQuery) -> CatalogCount:
    """How many leads ``query`` lists: exact up to ``EXACT_COUNT_LIMIT``, else an estimate.

    One capped scan reads at most ``EXACT_COUNT_LIMIT + 1`` matching index entries. When
    there are more, the estimate extrapolates from the span of ``created_at`` those
    covered to the whole listable range: the scan walks a ``created_at`` range of a
    catalog index, so the rows it read are a contiguous slice of time, and leads arrive
    at a steady rate far more than the planner's row estimate follows the combined
    filters and anti-joins (it was 10x low at 1M leads). Rows read out of time order
    only widen the span, so the estimate errs low, towards "more than 10,000"."""
    if query.condition is None:
        return CatalogCount(value=0, exact=True)
    sql, params = catalog_count_sql(query)
    if connection.vendor == "postgresql":
        # Reading 10,001 index entries is a few milliseconds: parallel workers cost more
        # than they save, and would read the range out of order. An attribute filter's
        # scan can cost past jit_above_cost: compiling it took ~40 ms of the 0.3 s such
        # a count took (1M leads), and saved nothing. One query string is one implicit
        # transaction, so SET LOCAL holds for the count alone, without a BEGIN and a
        # COMMIT round trip (inside an outer transaction: until that one ends).
        sql = f"SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counted, oldest, newest = cursor.fetchone()
    if counted <= EXACT_COUNT_LIMIT:
        return CatalogCount(value=counted, exact=True)
    oldest, newest = _read_datetime(oldest), _read_datetime(newest)
    covered = max((newest - oldest).total_seconds(), 1.0)
    whole = max((query.now - query.since).total_seconds(), covered)
    estimate = max(round(EXACT_COUNT_LIMIT * whole / covered), EXACT_COUNT_LIMIT + 1)
    return CatalogCount(value=estimate, exact=False)
