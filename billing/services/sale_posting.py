"""A sale's ledger posting for SQL: the purchase's one-round-trip path.

``cpl_charge`` + ``earnings_hold_schedule`` and ``cpa_reserve`` post through Python in
two to ten statements. The purchase's SQL function (a buyers migration) can instead
call billing's ``billing_sale_post`` (billing migration 0005) with the posting built
here: the same terms (``sales.cpl_charge_terms``/``cpa_reserve_terms``), the same
rows (the transaction, entries and hold: the column values their model instances
would have, ``marketplace.sql.model_row_values``, no instance built), so the two
paths write identical rows. The SQL function refuses (writes nothing) when an
account is missing or the wallet can't pay; the caller then takes the general path.
"""

from __future__ import annotations

from datetime import datetime

from billing.models import AccountKind, Transaction
from billing.models.payouts import EarningsHold
from billing.services.ledger import balanced_lines
from billing.services.sales import BuyerPayment, cpa_reserve_terms, cpl_charge_terms
from marketplace.ids import new_id
from marketplace.models import Organization
from marketplace.sql import model_row_values

Posting = dict[str, object]


def _posting(*, buyer: Organization, terms: BuyerPayment) -> Posting | None:
    lines = balanced_lines(terms.lines(buyer), key=terms.key)
    if len({account for account, _ in lines}) != len(lines):
        return None
    return {
        "transaction": model_row_values(
            Transaction,
            kind=terms.kind,
            idempotency_key=terms.key,
            description=terms.description[:500],
            reference_type="sale",
            reference_id=terms.sale,
        ),
        "lines": [
            {
                "entry_id": str(new_id()),
                "organization_id": None if organization_id is None else str(organization_id),
                "kind": kind,
                "amount": amount,
            }
            for (organization_id, kind), amount in lines
        ],
        "hold": None,
    }


def cpl_charge_posting(
    *,
    buyer: Organization,
    supplier: Organization,
    sale_id: object,
    price_cents: int,
    commission_percent: int | None,
    hold_until: datetime,
) -> Posting | None:
    """``cpl_charge`` and ``earnings_hold_schedule(release_at=hold_until)`` as one
    posting, or None where only the general path can tell what to do."""
    terms = cpl_charge_terms(
        buyer=buyer,
        supplier=supplier,
        sale_id=sale_id,
        price_cents=price_cents,
        commission_percent=commission_percent,
    )
    posting = _posting(buyer=buyer, terms=terms)
    earned = dict(terms.credits).get((supplier.pk, AccountKind.SUPPLIER_PENDING))
    if posting is None or not earned:  # nothing earned: the general path's Conflict
        return None
    posting["hold"] = model_row_values(
        EarningsHold,
        sale_id=terms.sale,
        supplier=supplier,
        amount_cents=earned,
        release_at=hold_until,
    )
    return posting


def cpa_reserve_posting(
    *, buyer: Organization, sale_id: object, price_cents: int
) -> Posting | None:
    """``cpa_reserve`` as one posting (None: take the general path)."""
    return _posting(
        buyer=buyer, terms=cpa_reserve_terms(buyer=buyer, sale_id=sale_id, price_cents=price_cents)
    )
