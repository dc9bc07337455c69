"""The catalog: the leads a buyer can buy now, newest first.

A lead is listed for a buyer when it is available with sales left, younger
than its segment's freshness limit (even before the expiry task marks it),
not its own, not from a suspended supplier, not bought by this buyer, and not
a person this buyer bought in the segment within the segment's dedup window.

Everything that depends on a segment's rules (freshness, age discounts, dedup
window) is turned into plain comparisons per segment before the query is
built, so the SQL stays a range scan of the partial catalog indexes
(migration 0005): the listed price is "own price ≤ threshold" per age band,
the freshness limit is ``created_at >=`` per segment plus one global bound.

Pages are keyset pages on ``(created_at, id)`` (never OFFSET); the count is
exact up to ``EXACT_COUNT_LIMIT`` and the planner's estimate beyond.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Literal

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from marketplace.models import Lead, LeadStatus, Organization, Sale, Segment
from marketplace.pricing import undiscounted_ceiling_cents

EXACT_COUNT_LIMIT = 10_000

# What a catalog row loads: the facts it shows and the masked preview stored at intake.
# Never an encrypted personal field: nothing to decrypt, nothing to leak by mistake.
_SHOWN = (
    "id",
    "segment__slug",
    "segment__name",
    "segment__age_discounts",
    "supplier",
    "country",
    "region",
    "city",
    "temperature",
    "source",
    "captured_at",
    "created_at",
    "attributes",
    "qualification",
    "price_cents",
    "cpa_price_cents",
    "max_sales",
    "sales_count",
    "preview",
)


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


@dataclass(frozen=True)
class CatalogPosition:
    """Where a keyset page starts: after this (created_at, id), newest first."""

    created_at: datetime
    id: object


@dataclass(frozen=True)
class CatalogPage:
    leads: list[Lead]
    next_position: CatalogPosition | None
    now: datetime


@dataclass(frozen=True)
class CatalogCount:
    value: int
    exact: bool


class _JsonPathExists(Func):
    """``jsonb_path_exists(attributes, path, vars)``: a comparison that is simply false
    (never an error) for a lead whose attribute has another type."""

    output_field = BooleanField()

    def __init__(self, path: str, variables: dict) -> None:
        super().__init__(F("attributes"))
        self.path = path
        self.variables = json.dumps(variables)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"jsonb_path_exists({column}, %s::jsonpath, %s::jsonb)"
        return sql, [*params, self.path, self.variables]


def _attribute_condition(item: AttributeFilter) -> Q | Func:
    if connection.vendor != "postgresql":
        # The SQLite demo: JSON key look-ups (no containment, no jsonpath there).
        lookup = {"eq": "", "gte": "__gte", "lte": "__lte"}[item.op]
        return Q(**{f"attributes__{item.name}{lookup}": item.value})
    if item.op == "eq":
        return Q(attributes__contains={item.name: item.value})
    operator = ">=" if item.op == "gte" else "<="
    # The name comes from the segment's schema; json.dumps quotes and escapes it.
    path = f"$.{json.dumps(item.name)} ? (@ {operator} $v)"
    return _JsonPathExists(path, {"v": item.value})


def _discount_bands(
    segment: Segment, now: datetime
) -> list[tuple[datetime | None, datetime | None, int]]:
    """The segment's age-discount schedule as ``created_at`` ranges
    ``(lower, upper, percent)`` meaning ``lower < created_at <= upper`` (None: open).
    Mirrors ``pricing.discount_percent_at``: a lead ``h`` hours old or older (created at
    or before ``now - h``) gets the percent of the largest ``after_hours`` it reached,
    the first one listed on a tie."""
    steps: dict[int, int] = {}
    for step in segment.age_discounts or []:
        steps.setdefault(step["after_hours"], step["percent"])
    bands: list[tuple[datetime | None, datetime | None, int]] = []
    upper: datetime | None = None
    percent = 0
    for after_hours, step_percent in sorted(steps.items()):
        boundary = now - timedelta(hours=after_hours)
        bands.append((boundary, upper, percent))
        upper, percent = boundary, step_percent
    bands.append((None, upper, percent))
    return bands


def _price_condition(segment: Segment, now: datetime, max_price_cents: int, price_field: str) -> Q:
    """Listed price ≤ max at ``now``: own price ≤ a threshold per age band."""
    clauses = []
    for lower, upper, percent in _discount_bands(segment, now):
        band = Q(**{f"{price_field}__lte": undiscounted_ceiling_cents(max_price_cents, percent)})
        if lower is not None:
            band &= Q(created_at__gt=lower)
        if upper is not None:
            band &= Q(created_at__lte=upper)
        clauses.append(band)
    return reduce(or_, clauses)


def freshness_cutoff(segment: Segment, now: datetime) -> datetime:
    """Leads created before this have outlived the segment's freshness limit."""
    return now - timedelta(days=segment.freshness_days)


def _segment_scope(filters: CatalogFilters) -> list[Segment]:
    segments = Segment.objects.filter(is_active=True)
    if filters.segment is not None:
        segments = segments.filter(pk=filters.segment.pk)
    return list(segments.only("id", "freshness_days", "age_discounts", "dedup_window_days"))


def _not_people_bought_recently(buyer: Organization, segments: list[Segment], now: datetime):
    """Anti-joins that hide a person this buyer bought in the segment within the
    segment's dedup window, by phone or by email.

    They compare person keys (prefixes of the blind indexes) that the catalog indexes
    carry, so even the count reads no heap rows for this rule."""
    windows = reduce(
        or_,
        (
            Q(
                segment_id=segment.pk,
                purchased_at__gte=now - timedelta(days=segment.dedup_window_days),
            )
            for segment in segments
        ),
    )
    recent = Sale.objects.filter(windows, buyer=buyer)
    return [
        ~Exists(
            recent.filter(segment_id=OuterRef("segment_id"), **{key: OuterRef(key)}).exclude(
                **{key: ""}
            )
        )
        for key in ("phone_key", "email_key")
    ]


@dataclass(frozen=True)
class CatalogQuery:
    """The catalog for one buyer at one instant: its leads, newest first, and the
    oldest ``created_at`` any of them can have (the range the count extrapolates over)."""

    leads: QuerySet[Lead]
    since: datetime
    now: datetime


def catalog_leads(*, buyer: Organization, filters: CatalogFilters, now: datetime) -> QuerySet[Lead]:
    """Every lead ``buyer`` can buy at ``now`` under ``filters``, newest first."""
    return catalog_query(buyer=buyer, filters=filters, now=now).leads


def catalog_query(*, buyer: Organization, filters: CatalogFilters, now: datetime) -> CatalogQuery:
    segments = _segment_scope(filters)
    if not segments:
        return CatalogQuery(leads=Lead.objects.none(), since=now, now=now)
    price_field = "cpa_price_cents" if filters.billing_model == "cpa" else "price_cents"
    per_segment = []
    for segment in segments:
        clause = Q(segment_id=segment.pk, created_at__gte=freshness_cutoff(segment, now))
        if filters.max_price_cents is not None:
            clause &= _price_condition(segment, now, filters.max_price_cents, price_field)
        per_segment.append(clause)
    # One global lower bound on created_at: the index range the scan walks.
    oldest = min(freshness_cutoff(segment, now) for segment in segments)
    if filters.max_age_hours is not None:
        oldest = max(oldest, now - timedelta(hours=filters.max_age_hours))

    # Every condition goes into one filter() call: each chained call clones the query,
    # which is a measurable share of a request's Python time.
    conditions: list = [
        reduce(or_, per_segment),
        Q(status=LeadStatus.AVAILABLE, sales_count__lt=F("max_sales"), created_at__gte=oldest),
        ~Q(supplier=buyer),
        ~Q(supplier_id__in=Organization.objects.filter(suspended_at__isnull=False).values("pk")),
    ]
    plain = {
        "country": filters.country,
        "region": filters.region,
        "temperature": filters.temperature,
    }
    conditions += [Q(**{name: value}) for name, value in plain.items() if value]
    if filters.billing_model == "cpa":
        conditions.append(Q(cpa_price_cents__isnull=False))
    if filters.min_rating is not None:
        rated = Organization.objects.filter(rating_score__gte=filters.min_rating).values("pk")
        conditions.append(Q(supplier_id__in=rated))
    conditions += [_attribute_condition(item) for item in filters.attributes]
    # A lead is bought after it is created, so only purchases younger than the oldest
    # listable lead can hide one: the anti-join's hash stays small for long-time buyers.
    bought = Sale.objects.filter(buyer=buyer, lead_id=OuterRef("pk"), purchased_at__gte=oldest)
    conditions.append(~Exists(bought))
    conditions += _not_people_bought_recently(buyer, segments, now)
    leads = Lead.objects.filter(*conditions)
    return CatalogQuery(leads=leads.order_by("-created_at", "-id"), since=oldest, now=now)


class _Before(Func):
    """``(created_at, id) < (%s, %s)``: a row comparison, which PostgreSQL uses as the
    bound of a backward scan of the ``(created_at, id)`` indexes."""

    output_field = BooleanField()

    def __init__(self, position: CatalogPosition) -> None:
        super().__init__(F("created_at"), F("id"))
        self.position = position

    def as_sql(self, compiler, connection, **extra):
        created_at, params_a = compiler.compile(self.source_expressions[0])
        lead_id, params_b = compiler.compile(self.source_expressions[1])
        sql = f"({created_at}, {lead_id}) < (%s, %s)"
        return sql, [*params_a, *params_b, self.position.created_at, self.position.id]


def catalog_page_rows(
    *, leads: QuerySet[Lead], limit: int, after: CatalogPosition | None = None
) -> QuerySet[Lead]:
    """The rows of one keyset page of ``leads`` (one more than ``limit``, to tell whether
    another page follows), with what they need to be shown.

    A deferred join: the keyset scan finds the page's ids from the catalog index alone
    (every plain filter column is in it), then only those rows are read from the table.
    A plain index scan would read a table row for every entry a filter rejects."""
    if after is not None:
        leads = leads.filter(_Before(after))
    page_ids = leads.values("pk")[: limit + 1]
    return (
        Lead.objects.filter(pk__in=Subquery(page_ids))
        .select_related("segment")
        .only(*_SHOWN)
        # Once per page, one instance per supplier (a page often has a few suppliers).
        .prefetch_related(
            Prefetch(
                "supplier",
                queryset=Organization.objects.only("id", "name", "rating_score", "rating_tier"),
            )
        )
        .order_by("-created_at", "-id")
    )


def catalog_page(
    *,
    leads: QuerySet[Lead],
    limit: int,
    after: CatalogPosition | None = None,
    now: datetime,
) -> CatalogPage:
    """One keyset page of ``leads`` (from ``catalog_leads`` at ``now``)."""
    rows = list(catalog_page_rows(leads=leads, limit=limit, after=after))
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_position = CatalogPosition(created_at=last.created_at, id=last.pk)
    return CatalogPage(leads=rows, next_position=next_position, now=now)


def capped_count_queryset(query: CatalogQuery) -> QuerySet[Lead]:
    """At most ``EXACT_COUNT_LIMIT + 1`` listed leads, in whatever order is cheapest (what
    the count reads). Unordered, so the planner may hash the anti-joins."""
    return query.leads.order_by().only("pk", "created_at")[: EXACT_COUNT_LIMIT + 1]


def catalog_count(*, query: CatalogQuery) -> CatalogCount:
    """How many leads ``query`` lists: exact up to ``EXACT_COUNT_LIMIT``, else an estimate.

    One capped scan reads at most ``EXACT_COUNT_LIMIT + 1`` matching index entries. When
    there are more, the estimate extrapolates from the span of ``created_at`` those
    covered to the whole listable range: the scan walks a ``created_at`` range of a
    catalog index, so the rows it read are a contiguous slice of time, and leads arrive
    at a steady rate far more than the planner's row estimate follows the combined
    filters and anti-joins (it was 10x low at 1M leads). Rows read out of time order
    only widen the span, so the estimate errs low, towards "more than 10,000"."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Reading 10,001 index entries is a few milliseconds: parallel workers
                # cost more than they save, and would read the range out of order.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        found = capped_count_queryset(query).aggregate(
            counted=Count("pk"), oldest=Min("created_at"), newest=Max("created_at")
        )
    if found["counted"] <= EXACT_COUNT_LIMIT:
        return CatalogCount(value=found["counted"], exact=True)
    covered = max((found["newest"] - found["oldest"]).total_seconds(), 1.0)
    whole = max((query.now - query.since).total_seconds(), covered)
    estimate = max(round(EXACT_COUNT_LIMIT * whole / covered), EXACT_COUNT_LIMIT + 1)
    return CatalogCount(value=estimate, exact=False)
