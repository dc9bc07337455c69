"""Reads of the ledger shared by the API, pages and commands."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from billing.models import Account, AccountKind, Entry, TopUp, Transaction, TransactionKind
from marketplace.models import Organization


@dataclass(frozen=True)
class WalletBalances:
    available_cents: int = 0
    reserved_cents: int = 0
    pending_cents: int = 0
    payable_cents: int = 0


_BALANCE_FIELD = {
    AccountKind.BUYER_AVAILABLE: "available_cents",
    AccountKind.BUYER_RESERVED: "reserved_cents",
    AccountKind.SUPPLIER_PENDING: "pending_cents",
    AccountKind.SUPPLIER_PAYABLE: "payable_cents",
}

# What an account is called on the organization's own statement.
ACCOUNT_LABEL = {
    AccountKind.BUYER_AVAILABLE: "available",
    AccountKind.BUYER_RESERVED: "reserved",
    AccountKind.SUPPLIER_PENDING: "pending",
    AccountKind.SUPPLIER_PAYABLE: "payable",
}


def wallet_balances(*, organization: Organization) -> WalletBalances:
    """The cached balances of an organization's accounts (zero where none exists yet)."""
    rows = Account.objects.filter(organization=organization).values_list("kind", "balance_cents")
    return WalletBalances(**{_BALANCE_FIELD[kind]: balance for kind, balance in rows})


def organization_ledger_lines(*, organization: Organization) -> QuerySet[Entry]:
    """This organization's entries, newest first, with their transaction and account."""
    return (
        Entry.objects.filter(account__organization=organization)
        .select_related("transaction", "account")
        .order_by("-id")
    )


_LINE_TEXT: dict[tuple[str, str], str] = {
    (TransactionKind.TOPUP, AccountKind.BUYER_AVAILABLE): "Wallet top-up",
    (TransactionKind.CPL_CHARGE, AccountKind.BUYER_AVAILABLE): "Lead purchase",
    (TransactionKind.CPL_CHARGE, AccountKind.SUPPLIER_PENDING): (
        "Lead sold: earnings held until the return window closes"
    ),
    (TransactionKind.CPA_RESERVE, AccountKind.BUYER_AVAILABLE): (
        "Reserved for a pay-per-action lead"
    ),
    (TransactionKind.CPA_RESERVE, AccountKind.BUYER_RESERVED): (
        "Reserved for a pay-per-action lead"
    ),
    (TransactionKind.CPA_CHARGE, AccountKind.BUYER_RESERVED): (
        "Pay-per-action charge: the action was reported"
    ),
    (TransactionKind.CPA_CHARGE, AccountKind.SUPPLIER_PENDING): (
        "Pay-per-action sale: earnings held until the return window closes"
    ),
    (TransactionKind.CPA_RELEASE, AccountKind.BUYER_RESERVED): (
        "Reservation released: no action within the window"
    ),
    (TransactionKind.CPA_RELEASE, AccountKind.BUYER_AVAILABLE): (
        "Reservation released: no action within the window"
    ),
    (TransactionKind.REFUND, AccountKind.BUYER_AVAILABLE): "Refund of a returned lead",
    (TransactionKind.REFUND, AccountKind.SUPPLIER_PENDING): "Returned lead: earnings taken back",
    (TransactionKind.REFUND, AccountKind.SUPPLIER_PAYABLE): "Returned lead: earnings taken back",
    (TransactionKind.HOLD_RELEASE, AccountKind.SUPPLIER_PENDING): (
        "Earnings released: the return window closed"
    ),
    (TransactionKind.HOLD_RELEASE, AccountKind.SUPPLIER_PAYABLE): (
        "Earnings released: the return window closed"
    ),
    (TransactionKind.PAYOUT, AccountKind.SUPPLIER_PAYABLE): "Payout",
}


def line_description(entry: Entry) -> str:
    """A human description of one ledger line, from its organization's point of view."""
    posted = entry.transaction
    if posted.kind == TransactionKind.ADJUSTMENT:
        return posted.description  # "Adjustment: <the moderator's reason>"
    if posted.kind == TransactionKind.PAYOUT:
        return posted.description  # "Payout of …" or "Payout returned to payable (…)"
    text = _LINE_TEXT.get((posted.kind, entry.account.kind), posted.get_kind_display())
    if posted.reference_type == "sale" and posted.reference_id:
        text += f" (sale {posted.reference_id})"
    return text


def ledger_problems(*, limit: int = 100) -> tuple[int, list[str]]:
    """Every broken invariant (at most ``limit`` of each kind) and the number of transactions.

    - every transaction has two or more entries and they sum to zero;
    - every organization account's cached balance equals the sum of its entries;
    - no organization account is below zero; platform accounts keep no cache.
    """
    problems: list[str] = []
    total = Transaction.objects.count()
    unbalanced = (
        Transaction.objects.annotate(lines=Count("entries"), total=Sum("entries__amount_cents"))
        .exclude(lines__gte=2, total=0)
        .order_by("created_at")
        .values_list("id", "idempotency_key", "lines", "total")[:limit]
    )
    for tx_id, key, lines, tx_sum in unbalanced:
        problems.append(
            f"transaction {tx_id} ({key}): {lines} entries summing to {tx_sum or 0} cents"
            " (needs 2 or more summing to 0)"
        )
    accounts = Account.objects.select_related("organization").annotate(
        total=Sum("entries__amount_cents")
    )
    for account in accounts.iterator():
        total_cents = account.total or 0
        if account.organization_id is None:
            if account.balance_cents is not None:
                problems.append(f"account {account.pk} ({account}): platform account with a cache")
            continue
        if account.balance_cents != total_cents:
            problems.append(
                f"account {account.pk} ({account}): cached balance {account.balance_cents}"
                f" cents, entries sum to {total_cents} cents"
            )
        if total_cents < 0 or (account.balance_cents or 0) < 0:
            problems.append(f"account {account.pk} ({account}): below zero ({total_cents} cents)")
    return total, problems


def organization_topups(
    *, organization: Organization, status: str | None = None
) -> QuerySet[TopUp]:
    """The organization's Stripe top-ups, newest first (ids are time-ordered)."""
    topups = TopUp.objects.filter(organization=organization).order_by("-id")
    if status:
        topups = topups.filter(status=status)
    return topups
