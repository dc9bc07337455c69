"""Leads, wallets and ledger look-ups for the buyers' tests."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from billing.models import Entry, Transaction
from marketplace.crypto import blind_index
from marketplace.models import Lead, LeadStatus, Organization, Segment
from tests.billing.helpers import assert_ledger_balanced, balances, fund

__all__ = ["assert_ledger_balanced", "balances", "fund", "ledger_keys", "make_lead", "revenue"]

_numbers = itertools.count(1)


def make_lead(
    supplier: Organization,
    *,
    segment: str = "loans",
    price_cents: int = 1_250,
    cpa_price_cents: int | None = 6_000,
    max_sales: int = 1,
    phone: str | None = None,
    email: str | None = None,
    first_name: str = "Anna",
    created_at: datetime | None = None,
    status: str = LeadStatus.AVAILABLE,
    **fields: object,
) -> Lead:
    """An accepted lead of a distinct person (unless ``phone``/``email`` say otherwise)."""
    n = next(_numbers)
    phone = phone if phone is not None else f"+48601{n:06d}"
    email = email if email is not None else f"person{n}@example.pl"
    values: dict = {
        "country": "PL",
        "region": "PL-MZ",
        "city": "Warszawa",
        "consent_text": "I agree to be contacted.",
        "consent_captured_at": timezone.now(),
        **fields,
    }
    return Lead.objects.create(
        supplier=supplier,
        segment=Segment.objects.get(slug=segment),
        external_id=f"test-{n}",
        status=status,
        first_name=first_name,
        last_name="Kowalska",
        phone=phone,
        email=email,
        phone_index=blind_index("phone", phone) if phone else "",
        email_index=blind_index("email", email) if email else "",
        price_cents=price_cents,
        cpa_price_cents=cpa_price_cents,
        max_sales=max_sales,
        created_at=created_at or timezone.now(),
        **values,
    )


def ledger_keys() -> set[str]:
    return set(Transaction.objects.values_list("idempotency_key", flat=True))


def revenue() -> int:
    return (
        Entry.objects.filter(
            account__organization__isnull=True, account__kind="platform_revenue"
        ).aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )
