"""Reads of payouts and adjustments shared by the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from billing.models import Account, Entry, TransactionKind
from billing.models.payouts import Payout, PayoutStatus
from billing.selectors import _BALANCE_FIELD, WalletBalances
from marketplace.models import Organization


def organization_payouts(*, organization: Organization) -> QuerySet[Payout]:
    return Payout.objects.filter(organization=organization).order_by("-id")


@dataclass(frozen=True)
class QueuedPayout:
    payout: Payout
    balances: WalletBalances


def _balances_of(organization_ids: set) -> dict:
    found: dict = {}
    rows = Account.objects.filter(organization_id__in=organization_ids).values_list(
        "organization_id", "kind", "balance_cents"
    )
    for organization_id, kind, balance in rows:
        found.setdefault(organization_id, {})[_BALANCE_FIELD[kind]] = balance
    return {org: WalletBalances(**fields) for org, fields in found.items()}


def payout_queue(*, status: str, limit: int = 200) -> list[QueuedPayout]:
    """Payouts in ``status``, oldest first, with each supplier's balances (two queries)."""
    payouts = list(
        Payout.objects.filter(status=status)
        .select_related("organization", "requested_by", "decided_by")
        .order_by("requested_at", "id")[:limit]
    )
    balances = _balances_of({p.organization_id for p in payouts})
    return [
        QueuedPayout(payout=p, balances=balances.get(p.organization_id, WalletBalances()))
        for p in payouts
    ]


def recent_payouts(*, limit: int = 20) -> QuerySet[Payout]:
    return (
        Payout.objects.exclude(status__in=[PayoutStatus.REQUESTED, PayoutStatus.APPROVED])
        .select_related("organization", "decided_by")
        .order_by("-id")[:limit]
    )


def organization_adjustments(*, organization: Organization, limit: int = 20) -> QuerySet[Entry]:
    """The organization's side of its recent manual adjustments, newest first."""
    return (
        Entry.objects.filter(
            account__organization=organization, transaction__kind=TransactionKind.ADJUSTMENT
        )
        .select_related("transaction", "account")
        .order_by("-id")[:limit]
    )
