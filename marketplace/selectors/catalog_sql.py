"""The catalog's rules as one parameterized SQL condition on ``marketplace_lead``.

Written by hand rather than built as a ``Q`` tree: building the tree and compiling it
(twice: the page and the count) was most of a catalog request's Python time. The text
is fixed, only the parameters come from the request; each filter adds a fixed fragment
(or one per segment in scope), so no value is ever spliced into the SQL.

The condition reads the lead under the alias ``v0`` and only columns the partial
catalog indexes carry (migrations 0005-0007, 0010), so a page's ids and the capped
count stay index-only scans; attribute filters are the one exception (JSON on the row).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from marketplace.models import Lead, LeadStatus, Organization, Segment
from marketplace.pricing import undiscounted_ceiling_cents

_prep_when = Lead._meta.get_field("created_at")
_prep_id = Lead._meta.get_field("id")


def _when(value: datetime) -> object:
    return _prep_when.get_db_prep_value(value, connection)


def _uuid(value: object) -> object:
    return _prep_id.get_db_prep_value(value, connection)


@dataclass(frozen=True)
class CatalogCondition:
    """``sql`` (a boolean expression on the lead ``v0``) with its ``params``."""

    sql: str
    params: tuple


def discount_bands(
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


def freshness_cutoff(segment: Segment, now: datetime) -> datetime:
    """Leads created before this have outlived the segment's freshness limit."""
    return now - timedelta(days=segment.freshness_days)


def _segment_clause(
    segment: Segment, now: datetime, max_price_cents: int | None, price_column: str
) -> tuple[str, list]:
    """This segment's leads that are fresh and (with ``max_price_cents``) listed at or
    below it now: own price ≤ a threshold per age band, an indexable comparison."""
    sql = "(v0.segment_id = %s AND v0.created_at >= %s"
    params: list = [segment.pk, _when(freshness_cutoff(segment, now))]
    if max_price_cents is not None:
        bands = []
        for lower, upper, percent in discount_bands(segment, now):
            band = f"v0.{price_column} <= %s"
            params.append(undiscounted_ceiling_cents(max_price_cents, percent))
            if lower is not None:
                band += " AND v0.created_at > %s"
                params.append(_when(lower))
            if upper is not None:
                band += " AND v0.created_at <= %s"
                params.append(_when(upper))
            bands.append(f"({band})")
        sql += " AND (" + " OR ".join(bands) + ")"
    return sql + ")", params


def attribute_clause(item) -> tuple[str, list]:
    """One ``AttributeFilter``: simply false (never an error) for a lead whose attribute
    is missing or of another type. The name comes from the segment's schema and is only
    ever a parameter (or inside a parameter, JSON-quoted)."""
    if connection.vendor != "postgresql":
        # The SQLite demo: JSON key look-ups (no containment, no jsonpath there).
        operator = {"eq": "=", "gte": ">=", "lte": "<="}[item.op]
        return f"json_extract(v0.attributes, %s) {operator} %s", [
            f"$.{json.dumps(item.name)}",
            item.value,
        ]
    if item.op == "eq":
        return "v0.attributes @> %s::jsonb", [json.dumps({item.name: item.value})]
    # NULL (so false) unless the attribute is a JSON number; written as the expression
    # of the per-segment indexes (services.catalog_indexes), so one serves it.
    operator = ">=" if item.op == "gte" else "<="
    return f"catalog_attribute_number(v0.attributes, %s::text) {operator} %s", [
        item.name,
        item.value,
    ]


def _sale_range(segments: list[Segment], since: datetime) -> tuple[str, list]:
    """Purchases ``s`` in one of ``segments`` made at or after ``since``: one range of
    ``sale_buyer_segment_recent`` (buyer, segment, purchased_at) per segment."""
    if len(segments) == 1:
        return "s.segment_id = %s AND s.purchased_at >= %s", [segments[0].pk, _when(since)]
    listed = ", ".join(["%s"] * len(segments))
    return f"s.segment_id IN ({listed}) AND s.purchased_at >= %s", [
        *(segment.pk for segment in segments),
        _when(since),
    ]


def _dedup_windows(segments: list[Segment], now: datetime) -> tuple[str, list]:
    """Purchases ``s`` within the dedup window of the listed lead's segment: a range from
    the earliest window's start and, where the segments' windows differ, each lead's
    own checked on the purchases that match it (a join filter of the anti-join; as an
    OR of per-segment conditions on ``s`` it bounds no index scan, and the planner,
    counting it twice, took the purchases for a handful and re-read them per row)."""
    starts = {segment.pk: now - timedelta(days=segment.dedup_window_days) for segment in segments}
    sql, params = _sale_range(segments, min(starts.values()))
    if len(set(starts.values())) > 1:
        sql += " AND s.purchased_at >= CASE v0.segment_id"
        sql += " WHEN %s THEN %s" * len(starts) + " END"
        for segment_id, start in starts.items():
            params += [segment_id, _when(start)]
    return sql, params


def catalog_condition(
    *, buyer: Organization, filters, segments: list[Segment], oldest: datetime, now: datetime
) -> CatalogCondition:
    """Every rule of the catalog for ``buyer`` at ``now`` (``filters``: ``CatalogFilters``,
    ``segments``: the active segments in scope, never empty; ``oldest``: the global lower
    bound on ``created_at``, the index range a scan walks)."""
    price_column = "cpa_price_cents" if filters.billing_model == "cpa" else "price_cents"
    buyer_id = _uuid(buyer.pk)
    clauses: list[str] = []
    params: list = []
    per_segment = [
        _segment_clause(segment, now, filters.max_price_cents, price_column) for segment in segments
    ]
    clauses.append("(" + " OR ".join(sql for sql, _params in per_segment) + ")")
    for _sql, segment_params in per_segment:
        params += segment_params
    clauses += [
        "v0.status = %s",
        "v0.sales_count < v0.max_sales",
        "v0.created_at >= %s",
        "v0.supplier_id <> %s",
        "v0.supplier_id NOT IN"
        " (SELECT u.id FROM marketplace_organization u WHERE u.suspended_at IS NOT NULL)",
    ]
    params += [LeadStatus.AVAILABLE.value, _when(oldest), buyer_id]
    for column in ("country", "region", "temperature"):
        value = getattr(filters, column)
        if value:
            clauses.append(f"v0.{column} = %s")
            params.append(value)
    if filters.billing_model == "cpa":
        clauses.append("v0.cpa_price_cents IS NOT NULL")
    if filters.min_rating is not None:
        clauses.append(
            "v0.supplier_id IN"
            " (SELECT u.id FROM marketplace_organization u WHERE u.rating_score >= %s)"
        )
        params.append(filters.min_rating)
    for item in filters.attributes:
        sql, attribute_params = attribute_clause(item)
        clauses.append(sql)
        params += attribute_params
    # Purchases of shared leads only (an exclusive lead is sold out by its purchase), in
    # the segments in scope, made since the oldest listable lead (a lead is bought after
    # it is created): the anti-join's hash stays small for large buyers.
    bought_sql, bought_params = _sale_range(segments, oldest)
    clauses.append(
        "NOT EXISTS (SELECT 1 FROM marketplace_sale s WHERE s.buyer_id = %s AND s.lead_shared"  # noqa: S608
        f" AND {bought_sql} AND s.lead_id = v0.id)"
    )
    params += [buyer_id, *bought_params]
    # The same person bought in the segment within its dedup window, by phone or email:
    # on the short person keys the catalog indexes carry, so no heap read for this rule.
    windows, window_params = _dedup_windows(segments, now)
    for key in ("phone_key", "email_key"):
        clauses.append(
            f"NOT EXISTS (SELECT 1 FROM marketplace_sale s WHERE s.buyer_id = %s AND {windows}"  # noqa: S608
            f" AND s.segment_id = v0.segment_id AND s.{key} = v0.{key} AND s.{key} <> '')"
        )
        params += [buyer_id, *window_params]
    return CatalogCondition(sql=" AND ".join(clauses), params=tuple(params))
