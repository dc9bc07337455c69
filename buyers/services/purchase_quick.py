"""A purchase in two round trips on PostgreSQL: read the lead, call ``buyers_purchase``.

The general path (``purchases.purchase_create``) sends ten statements, each parsed
and planned again, and builds the lead's ORM query every time. Here the lead, its
segment and its supplier come from one hand-written SELECT (its text built once per
process; both statements are prepared once per connection), the rows are the same
values the general path stores (``purchase_rows``, ``billing.services.sale_posting``),
and the SQL function of buyers migrations 0001/0002 does the rest in one statement,
ledger included (through billing's own SQL function), in the general path's lock
order. Outside a transaction that statement is its own transaction: no BEGIN/COMMIT
round trips.

Anything unusual (no such lead, not on sale, the caller's own lead, CPA not offered,
already bought, the same person, no account yet, not enough funds, SQLite) answers
None having written nothing, and the caller takes the general path, which raises the
error with its message or creates what is missing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache

from django.db import connection

from billing.services.sale_posting import cpa_reserve_posting, cpl_charge_posting
from buyers.ids import as_uuid
from buyers.services.locks import purchase_lock_keys
from buyers.services.purchase_rows import Caller, purchase_rows
from marketplace.models import (
    BillingModel,
    Lead,
    LeadStatus,
    Organization,
    Sale,
    SaleEvent,
    Segment,
)
from marketplace.pricing import lead_listed_price
from marketplace.selectors.catalog import freshness_cutoff
from marketplace.sql import (
    execute_prepared,
    instances_from_row,
    mark_saved,
    model_row_values,
    row_values,
    select_list,
)

# Prepared once per connection too: each call is then parsed as an EXECUTE with its
# values, not analyzed and planned again as a SELECT (the function's lookup included).
_CALL = (
    "SELECT outcome, lead_status, lead_sales_count"
    " FROM buyers_purchase($1::bigint[], $2::jsonb, $3::timestamptz, $4::timestamptz, $5::jsonb)"
)
_READ = [Lead, Segment, Organization]


@cache
def _lead_sql() -> str:
    lead, segment, supplier = (model._meta.db_table for model in _READ)
    # names from the models' metadata, the lead's id a parameter ($1: a prepared statement)
    return (
        f"SELECT {select_list(Lead, 'lead')}, {select_list(Segment, 'segment')},"  # noqa: S608
        f" {select_list(Organization, 'supplier')}"
        f" FROM {lead} lead JOIN {segment} segment ON segment.id = lead.segment_id"
        f" JOIN {supplier} supplier ON supplier.id = lead.supplier_id WHERE lead.id = $1"
    )


def lead_with_segment_and_supplier(lead_id: object) -> Lead | None:
    """The lead, its segment and its supplier (as ``select_related`` would give them)."""
    pk = as_uuid(lead_id)
    if pk is None:
        return None
    with connection.cursor() as cursor:
        execute_prepared(cursor, "buyers_lead_for_sale", _lead_sql(), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    lead, segment, supplier = instances_from_row(row, _READ)
    lead.segment, lead.supplier = segment, supplier
    return lead


def purchase_quick(
    *,
    buyer: Organization,
    lead_id: object,
    model: str,
    caller: Caller,
) -> Sale | None:
    """The sale, made in one statement; or None, nothing written: take the general path."""
    if connection.vendor != "postgresql":
        return None
    lead = lead_with_segment_and_supplier(lead_id)
    if lead is None or lead.status != LeadStatus.AVAILABLE or lead.supplier_id == buyer.pk:
        return None
    segment = lead.segment
    now = caller.now
    listed = lead_listed_price(lead=lead, segment=segment, now=now)
    rows = purchase_rows(buyer=buyer, lead=lead, model=model, listed=listed, caller=caller)
    sale = rows.sale
    if sale.price_cents is None:  # pay-per-action not offered
        return None
    posting = None
    if sale.price_cents > 0:
        if model == BillingModel.CPL:
            posting = cpl_charge_posting(
                buyer=buyer,
                supplier=lead.supplier,
                sale_id=sale.pk,
                price_cents=sale.price_cents,
                commission_percent=sale.commission_percent,
                hold_until=sale.return_deadline,
            )
        else:
            posting = cpa_reserve_posting(
                buyer=buyer, sale_id=sale.pk, price_cents=sale.price_cents
            )
        if posting is None:
            return None
    keys = purchase_lock_keys(
        buyer_id=buyer.pk,
        segment_id=segment.pk,
        lead_id=lead.pk,
        indexes=[lead.phone_index, lead.email_index],
    )
    values = {
        "sale": row_values(sale),
        "event": model_row_values(SaleEvent, **rows.event_values),
        "access": row_values(rows.reveals[0]) if rows.reveals else None,
    }
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "buyers_purchase_call",
            _CALL,
            [
                keys,
                json.dumps(values),
                now - timedelta(days=segment.dedup_window_days),
                freshness_cutoff(segment, now),
                None if posting is None else json.dumps(posting),
            ],
        )
        outcome, status, sales_count = cursor.fetchone()
    if outcome != "ok":
        return None
    lead.status, lead.sales_count = status, sales_count
    mark_saved(sale, *rows.reveals)
    return sale
