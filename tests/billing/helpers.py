"""Ledger assertions shared by the billing tests."""

from __future__ import annotations

from django.db.models import Count, Sum

from billing.models import Account, Entry, Transaction
from billing.selectors import wallet_balances
from billing.services import topup_credit
from marketplace.models import Organization

_counter = iter(range(10**9))


def balances(organization: Organization) -> dict[str, int]:
    wallet = wallet_balances(organization=organization)
    return {
        "available": wallet.available_cents,
        "reserved": wallet.reserved_cents,
        "pending": wallet.pending_cents,
        "payable": wallet.payable_cents,
    }


def platform_balance(kind: str) -> int:
    return (
        Entry.objects.filter(account__organization__isnull=True, account__kind=kind).aggregate(
            total=Sum("amount_cents")
        )["total"]
        or 0
    )


def assert_ledger_balanced() -> None:
    bad = Transaction.objects.annotate(
        lines=Count("entries"), total=Sum("entries__amount_cents")
    ).exclude(lines__gte=2, total=0)
    assert list(bad.values_list("idempotency_key", "lines", "total")) == []
    for account in Account.objects.filter(organization__isnull=False).annotate(
        total=Sum("entries__amount_cents")
    ):
        assert account.balance_cents == (account.total or 0), account
        assert account.balance_cents >= 0, account


def fund(organization: Organization, cents: int) -> Transaction:
    return topup_credit(
        organization=organization, amount_cents=cents, idempotency_key=f"topup:{next(_counter)}"
    )
