"""Top-ups, manual adjustments and payouts."""

from __future__ import annotations

from billing.models import AccountKind, Transaction, TransactionKind
from billing.services.ledger import (
    accounts_lock,
    check_parties,
    money,
    once,
    platform_account,
    require_amount,
    require_funds,
    require_text,
    transaction_by_key,
    write_transaction,
)
from marketplace.errors import Forbidden, ValidationFailed
from marketplace.ids import new_id
from marketplace.models import Organization

ADJUSTABLE_KINDS: frozenset[str] = frozenset(
    {AccountKind.BUYER_AVAILABLE, AccountKind.SUPPLIER_PAYABLE}
)


# --- top-ups and adjustments ---------------------------------------------------


def topup_credit(
    *,
    organization: Organization,
    amount_cents: int,
    idempotency_key: str,
    reference_type: str = "topup",
    reference_id: str = "",
    description: str = "",
) -> Transaction:
    """Stripe clearing → the buyer's available balance, once per key.

    Call it only for a verified payment. Key it by the top-up (``topup:<id>``)
    rather than by the Stripe event when two event types may report the same
    payment.
    """
    amount = require_amount(amount_cents)
    key = require_text(idempotency_key, field="idempotency_key", max_length=200)
    if not organization.is_buyer:
        raise Forbidden("Only a buyer organization has a wallet to top up.")

    def post() -> Transaction:
        available = accounts_lock([(organization.pk, AccountKind.BUYER_AVAILABLE)])
        if existing := transaction_by_key(key, TransactionKind.TOPUP):
            return existing
        return write_transaction(
            kind=TransactionKind.TOPUP,
            key=key,
            description=description or f"Wallet top-up of {money(amount)}",
            reference_type=reference_type,
            reference_id=reference_id,
            lines=[
                (platform_account(AccountKind.PLATFORM_STRIPE_CLEARING), -amount),
                (available[(organization.pk, AccountKind.BUYER_AVAILABLE)], amount),
            ],
        )

    return once(key, TransactionKind.TOPUP, post)


def adjustment_post(
    *,
    organization: Organization,
    amount_cents: int,
    reason: str,
    actor: str = "",
    idempotency_key: str | None = None,
    account_kind: str = AccountKind.BUYER_AVAILABLE,
) -> Transaction:
    """A moderator's manual credit (positive) or debit (negative), against platform adjustments.

    A debit can't take the account below zero. Without a key each call is a
    new adjustment.
    """
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents == 0:
        raise ValidationFailed(
            "An adjustment is a non-zero whole number of cents.", fields={"amount": ["Not zero."]}
        )
    require_amount(abs(amount_cents))
    reason = require_text(reason, field="reason", max_length=400)
    if account_kind not in ADJUSTABLE_KINDS:
        raise ValidationFailed(
            "Adjust an available or a payable balance.",
            fields={"account_kind": [", ".join(sorted(ADJUSTABLE_KINDS))]},
        )
    if account_kind == AccountKind.BUYER_AVAILABLE:
        check_parties(organization, None)
    else:
        check_parties(None, organization)
    key = idempotency_key or f"adjustment:{new_id()}"

    def post() -> Transaction:
        account = accounts_lock([(organization.pk, account_kind)])[(organization.pk, account_kind)]
        if existing := transaction_by_key(key, TransactionKind.ADJUSTMENT):
            return existing
        if amount_cents < 0:
            require_funds(account, -amount_cents, what="balance to debit")
        return write_transaction(
            kind=TransactionKind.ADJUSTMENT,
            key=key,
            description=f"Adjustment: {reason}",
            reference_type="organization",
            reference_id=str(organization.pk),
            actor=actor,
            lines=[
                (account, amount_cents),
                (platform_account(AccountKind.PLATFORM_ADJUSTMENTS), -amount_cents),
            ],
        )

    return once(key, TransactionKind.ADJUSTMENT, post)


# --- payouts -------------------------------------------------------------------


def payout_post(
    *,
    organization: Organization,
    amount_cents: int,
    idempotency_key: str,
    reference_type: str = "payout",
    reference_id: str = "",
) -> Transaction:
    """Money leaves for the supplier's bank: payable → platform payouts."""
    amount = require_amount(amount_cents)
    key = require_text(idempotency_key, field="idempotency_key", max_length=200)
    check_parties(None, organization)

    def post() -> Transaction:
        payable = accounts_lock([(organization.pk, AccountKind.SUPPLIER_PAYABLE)])[
            (organization.pk, AccountKind.SUPPLIER_PAYABLE)
        ]
        if existing := transaction_by_key(key, TransactionKind.PAYOUT):
            return existing
        require_funds(payable, amount, what="payable earnings")
        return write_transaction(
            kind=TransactionKind.PAYOUT,
            key=key,
            description=f"Payout of {money(amount)}",
            reference_type=reference_type,
            reference_id=reference_id,
            lines=[(payable, -amount), (platform_account(AccountKind.PLATFORM_PAYOUTS), amount)],
        )

    return once(key, TransactionKind.PAYOUT, post)
