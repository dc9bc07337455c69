"""Sales, returns and ledger look-ups shared by the quality tests."""

from __future__ import annotations

import itertools
from datetime import datetime

from billing.models import Entry, Transaction
from billing.services import cpa_charge, cpa_reserve, cpl_charge
from marketplace.models import Lead, Organization, Sale, SaleStatus
from suppliers.services import lead_submit
from tests.factories import SaleFactory, lead_payload

_sequence = itertools.count(1)

RETURNS_URL = "/api/v1/returns/"


def returns_url(sale: Sale) -> str:
    return f"/api/v1/purchases/{sale.pk}/returns/"


def lead_make(supplier: Organization, **overrides: object) -> Lead:
    """A lead stored through the real intake, a different person each time."""
    n = next(_sequence)
    payload = lead_payload(
        external_id=f"quality-{n}",
        phone=f"+48 601 {n // 1000 % 1000:03d} {n % 1000:03d}",
        email=f"person{n}@example.pl",
    )
    payload.update(overrides)
    lead = lead_submit(supplier=supplier, payload=payload).lead
    assert lead.status in ("available", "held"), lead.rejection_reasons
    return lead


def sale_make(
    buyer: Organization,
    supplier: Organization,
    *,
    billing_model: str = "cpl",
    lead: Lead | None = None,
    acted: bool = False,
    purchased_at: datetime | None = None,
    **fields: object,
) -> Sale:
    """A sale with its money posted as the purchase service posts it."""
    lead = lead or lead_make(supplier)
    extra = {"purchased_at": purchased_at} if purchased_at else {}
    sale = SaleFactory(lead=lead, buyer=buyer, billing_model=billing_model, **extra, **fields)
    if billing_model == "cpl":
        cpl_charge(
            buyer=buyer,
            supplier=supplier,
            sale_id=sale.pk,
            price_cents=sale.price_cents,
            commission_percent=sale.commission_percent,
        )
    else:
        cpa_reserve(buyer=buyer, sale_id=sale.pk, price_cents=sale.price_cents)
        if acted:
            cpa_charge(
                supplier=supplier, sale_id=sale.pk, commission_percent=sale.commission_percent
            )
            Sale.objects.filter(pk=sale.pk).update(status=SaleStatus.ACTION_REPORTED)
            sale.refresh_from_db()
    return sale


def entries_of(key: str) -> dict[tuple[object, str], int]:
    """The lines of one ledger transaction: (organization id, account kind) → cents."""
    posted = Transaction.objects.get(idempotency_key=key)
    return {
        (entry.account.organization_id, entry.account.kind): entry.amount_cents
        for entry in Entry.objects.filter(transaction=posted).select_related("account")
    }


def stored_files(folder: str = "evidence") -> list[str]:
    """Every file under ``folder`` in the default storage (in memory in tests)."""
    from django.core.files.storage import default_storage

    if not default_storage.exists(folder):
        return []
    directories, files = default_storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for directory in directories:
        found += stored_files(f"{folder}/{directory}")
    return found
