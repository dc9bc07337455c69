"""Reads of the ledger shared by the API, pages and commands."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from billing.models import Account, AccountKind, Entry, TopUp, Transaction, TransactionKind
from marketplace.models import BillingModel, Organization, Sale


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
    - no organization account is below zero; platform accounts keep no cache;
    - every paid sale has its charge or reserve (``sale_problems``).
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
    problems += sale_problems(limit=limit)
    return total, problems


_SALE_STEP = {BillingModel.CPL: "charge", BillingModel.CPA: "reserve"}
_SALES_PER_QUERY = 2000


def sale_problems(*, limit: int = 100) -> list[str]:
    """Every paid sale (``marketplace.Sale``) has its ledger transaction: a pay-per-lead
    sale its charge, a pay-per-action sale its reserve (``sale:<id>:charge|reserve``),
    taking exactly the sale's price from its buyer's available balance. A free sale
    (price 0) moves no money. Reads the sales in chunks, one ledger query per chunk."""
    problems: list[str] = []
    sales = (
        Sale.objects.filter(price_cents__gt=0)
        .order_by("id")
        .values_list("id", "billing_model", "buyer_id", "price_cents")
    )
    chunk: list[tuple] = []
    for row in sales.iterator(chunk_size=_SALES_PER_QUERY):
        chunk.append(row)
        if len(chunk) == _SALES_PER_QUERY:
            problems += _chunk_problems(chunk)
            chunk = []
        if len(problems) >= limit:
            return problems[:limit]
    problems += _chunk_problems(chunk)
    return problems[:limit]


def _chunk_problems(sales: list[tuple]) -> list[str]:
    if not sales:
        return []
    keys = {f"sale:{sale_id}:{_SALE_STEP[model]}": sale_id for sale_id, model, _, _ in sales}
    debits: dict[str, list[tuple]] = {}
    rows = Entry.objects.filter(
        transaction__idempotency_key__in=keys, account__kind=AccountKind.BUYER_AVAILABLE
    ).values_list("transaction__idempotency_key", "account__organization_id", "amount_cents")
    for key, organization_id, amount in rows:
        debits.setdefault(key, []).append((organization_id, amount))
    posted = set(
        Transaction.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    problems = []
    for sale_id, model, buyer_id, price in sales:
        key = f"sale:{sale_id}:{_SALE_STEP[model]}"
        what = f"sale {sale_id} ({model}, {price} cents)"
        if key not in posted:
            problems.append(f"{what}: no {_SALE_STEP[model]} in the ledger ({key})")
        elif debits.get(key) != [(buyer_id, -price)]:
            problems.append(
                f"{what}: its {_SALE_STEP[model]} {key} takes {debits.get(key, [])} from"
                f" buyers' available balances, expected {-price} cents from {buyer_id}"
            )
    return problems


def organization_topups(
    *, organization: Organization, status: str | None = None
) -> QuerySet[TopUp]:
    """The organization's Stripe top-ups, newest first (ids are time-ordered)."""
    topups = TopUp.objects.filter(organization=organization).order_by("-id")
    if status:
        topups = topups.filter(status=status)
    return topups
