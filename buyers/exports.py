"""The purchases export: CSV, UTF-8 with a byte-order mark (so spreadsheets read
Cyrillic), formula-like cells escaped, streamed in batches with each batch's
reveals logged as it goes out."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from billing.services.statements import csv_cell
from marketplace.models import Sale
from marketplace.money import format_cents

BATCH = 500
HEADER = [
    "purchase_id",
    "purchased_at",
    "segment",
    "billing_model",
    "status",
    "outcome",
    "outcome_reason",
    "price",
    "currency",
    "return_deadline",
    "action_deadline",
    "lead_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "country",
    "region",
    "city",
    "postal_code",
    "temperature",
    "source",
    "captured_at",
    "supplier",
    "attributes",
]


def _time(value) -> str:
    return value.isoformat() if value else ""


def purchase_row(sale: Sale) -> list[object]:
    lead = sale.lead
    return [
        sale.pk,
        _time(sale.purchased_at),
        sale.segment.slug,
        sale.billing_model,
        sale.status,
        sale.outcome,
        sale.outcome_reason,
        format_cents(sale.price_cents),
        sale.currency,
        _time(sale.return_deadline),
        _time(sale.action_deadline),
        lead.pk,
        lead.first_name,
        lead.last_name,
        lead.phone,
        lead.email,
        lead.country,
        lead.region,
        lead.city,
        lead.postal_code,
        lead.temperature,
        lead.source,
        _time(lead.captured_at),
        sale.supplier.name,
        json.dumps(lead.attributes, ensure_ascii=False, sort_keys=True),
    ]


def _line(writer: csv.writer, buffer: io.StringIO, row: list[object]) -> str:
    writer.writerow([csv_cell(cell) for cell in row])
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def purchases_csv(
    purchases: QuerySet[Sale], *, on_batch: Callable[[list[Sale]], object] | None = None
) -> Iterator[str]:
    """The CSV text in pieces. ``purchases`` is ordered by ``-id``; it is read in
    keyset batches (``id < last``), so memory stays flat however many there are.
    ``on_batch`` is called with each batch before its rows are sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff" + _line(writer, buffer, HEADER)
    last = None
    while True:
        page = purchases if last is None else purchases.filter(pk__lt=last)
        batch = list(page[:BATCH])
        if not batch:
            return
        if on_batch is not None:
            on_batch(batch)
        yield "".join(_line(writer, buffer, purchase_row(sale)) for sale in batch)
        if len(batch) < BATCH:
            return
        last = batch[-1].pk
