"""Posting: validation, account locks, the one place ledger rows are written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from billing.models import Account, Entry, Transaction
from marketplace.errors import Conflict, Forbidden, InsufficientFunds, ValidationFailed
from marketplace.models import Organization
from marketplace.money import MAX_AMOUNT_CENTS, currency, format_cents

T = TypeVar("T")
A = TypeVar("A")
AccountKey = tuple[UUID, str]
Lines = list[tuple[Account, int]]


# --- validation -------------------------------------------------------------


def require_amount(value: object, *, field: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(
            "An amount is a whole number of cents.", fields={field: ["Whole cents."]}
        )
    if value <= 0:
        raise ValidationFailed(
            "The amount must be more than zero.", fields={field: ["Must be more than 0."]}
        )
    if value > MAX_AMOUNT_CENTS:
        raise ValidationFailed("The amount is too large.", fields={field: ["Too large."]})
    return value


def require_text(value: object, *, field: str, max_length: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(f"{field} is required.", fields={field: ["Required."]})
    if len(text) > max_length:
        raise ValidationFailed(
            f"{field} is too long.", fields={field: [f"At most {max_length} characters."]}
        )
    return text


def sale_key(sale_id: object, step: str) -> tuple[str, str]:
    sale = require_text(sale_id, field="sale_id", max_length=64)
    return sale, f"sale:{sale}:{step}"


def money(cents: int) -> str:
    return f"{format_cents(cents)} {currency()}"


# --- accounts, locks and posting ---------------------------------------------

# Account ids by (database, organization or None for the platform, kind). An account
# never changes owner or kind and is never deleted, so an id once read stays right;
# ``posting.transaction_post_quick`` still checks each against its row (a test
# database rolled back forgets rows a process remembers) and falls back on a miss.
_account_ids: dict[tuple[str, UUID | None, str], int] = {}


def account_id_cached(organization_id: UUID | None, kind: str) -> int | None:
    return _account_ids.get((connection.settings_dict["NAME"], organization_id, kind))


def _remember(account: Account) -> None:
    key = (connection.settings_dict["NAME"], account.organization_id, account.kind)
    _account_ids[key] = account.pk


def accounts_lock(keys: Iterable[AccountKey]) -> dict[AccountKey, Account]:
    """Create missing organization accounts, then lock them all in primary-key order."""
    wanted = set(keys)
    match = Q()
    for organization_id, kind in wanted:
        match |= Q(organization_id=organization_id, kind=kind)
    found = set(Account.objects.filter(match).values_list("organization_id", "kind"))
    missing = wanted - found
    if missing:
        # ON CONFLICT DO NOTHING: a concurrent first charge may create the same row.
        Account.objects.bulk_create(
            [Account(organization_id=org, kind=kind, balance_cents=0) for org, kind in missing],
            ignore_conflicts=True,
        )
    locked = list(Account.objects.select_for_update().filter(match).order_by("pk"))
    for account in locked:
        _remember(account)
    return {(account.organization_id, account.kind): account for account in locked}


def platform_account(kind: str) -> Account:
    account = Account.objects.filter(organization__isnull=True, kind=kind).first()
    if account is None:
        Account.objects.bulk_create([Account(kind=kind, balance_cents=None)], ignore_conflicts=True)
        account = Account.objects.get(organization__isnull=True, kind=kind)
    _remember(account)
    return account


def transaction_by_key(key: str, kind: str) -> Transaction | None:
    found = Transaction.objects.filter(idempotency_key=key).first()
    if found is not None and found.kind != kind:
        raise Conflict(
            f"The operation {key} was already recorded as {found.get_kind_display().lower()}."
        )
    return found


def require_funds(account: Account, amount: int, *, what: str) -> None:
    if account.balance_cents < amount:
        raise InsufficientFunds(
            f"Not enough {what}: {money(account.balance_cents)} available, {money(amount)} needed.",
            extra={
                "available": format_cents(account.balance_cents),
                "needed": format_cents(amount),
            },
        )


def balanced_lines(lines: list[tuple[A, int]], *, key: str) -> list[tuple[A, int]]:
    """``lines`` without zero amounts: two or more, summing to zero (else a bug)."""
    lines = [(account, amount) for account, amount in lines if amount != 0]
    if len(lines) < 2 or sum(amount for _, amount in lines) != 0:
        raise RuntimeError(f"Unbalanced ledger transaction {key}: {lines}")
    return lines


def write_transaction(
    *,
    kind: str,
    key: str,
    description: str,
    lines: Lines,
    reference_type: str = "",
    reference_id: str = "",
    actor: str = "",
) -> Transaction:
    """Write one balanced transaction. Organization accounts in ``lines`` must be locked."""
    lines = balanced_lines(lines, key=key)
    posted = Transaction.objects.create(
        kind=kind,
        idempotency_key=key,
        description=description[:500],
        reference_type=reference_type,
        reference_id=str(reference_id),
        actor=actor[:254],
    )
    entries = []
    for account, amount in lines:
        balance_after = None
        if account.organization_id is not None:
            updated = Account.objects.filter(pk=account.pk, balance_cents__gte=-amount).update(
                balance_cents=F("balance_cents") + amount
            )
            if updated != 1:  # unreachable while the lock is held; a last line of defence
                raise InsufficientFunds("Not enough funds.")
            account.balance_cents += amount
            balance_after = account.balance_cents
        entries.append(
            Entry(
                transaction=posted,
                account=account,
                amount_cents=amount,
                balance_after_cents=balance_after,
            )
        )
    Entry.objects.bulk_create(entries)
    return with_entries(posted, entries)


def with_entries(posted: Transaction, entries: list[Entry]) -> Transaction:
    """Keep the entries just written on their transaction (as ``prefetch_related``
    would), so ``entry_of`` reads them without a query."""
    cached = posted.entries.all()
    cached._result_cache = list(entries)
    cached._prefetch_done = True
    posted._prefetched_objects_cache = {"entries": cached}
    return posted


def once(key: str, kind: str, post: Callable[[], T]) -> T | Transaction:
    try:
        with transaction.atomic():
            return post()
    except IntegrityError:
        # Someone else committed the same key between our look-up and our insert.
        existing = transaction_by_key(key, kind)
        if existing is None:
            raise
        return existing


def sale_transaction(sale_id: str, step: str) -> Transaction | None:
    return (
        Transaction.objects.filter(idempotency_key=f"sale:{sale_id}:{step}")
        .prefetch_related("entries__account")
        .first()
    )


def entry_of(posted: Transaction, *kinds: str) -> Entry | None:
    for entry in posted.entries.all():
        if entry.account.kind in kinds:
            return entry
    return None


def check_parties(buyer: Organization | None, supplier: Organization | None) -> None:
    if buyer is not None and not buyer.is_buyer:
        raise Forbidden("Only a buyer organization can be charged for a lead.")
    if supplier is not None and not supplier.is_supplier:
        raise Forbidden("Only a supplier organization earns from a sale.")
