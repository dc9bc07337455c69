"""Supplier payouts: request, approve (Stripe transfer or manual), reject, mark paid.

Money design. A request moves the money at once, payable → platform payouts
(``payout_post``, key ``payout:<id>``), in the same database transaction as the
payout row: what is requested can't be spent, refunded into or requested a
second time while a moderator looks at it. A rejection or a failed transfer
posts the reverse, platform payouts → payable (``payout_reverse``, key
``payout:<id>:reverse``). A paid payout needs no posting: the money already
left the supplier's balance when it was requested.

States: requested → approved → paid, requested → rejected, approved → failed
(Stripe refused the transfer). Each transition is one conditional UPDATE on
the current status (0 rows: someone else decided first → 409) plus a
``PayoutEvent`` row, in one transaction.

Stripe. Approval with a connected account claims the payout (requested →
approved, method ``stripe_transfer``) and commits; Stripe is called with no
transaction open; the outcome is recorded in a second transaction. When
Stripe gives no clear answer (timeout, 5xx) the payout stays approved and
``payout_transfer_retry`` (a beat task) asks again with the same idempotency
key, so a transfer is never made twice and money is never returned for a
transfer that may have happened.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import AccountKind, Transaction, TransactionKind
from billing.models.payouts import (
    OPEN_PAYOUT_STATUSES,
    Payout,
    PayoutEvent,
    PayoutMethod,
    PayoutStatus,
)
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
from billing.services.wallets import payout_post
from billing.transfers import TransferFailed, TransferUncertain, transfer_create
from marketplace.errors import Conflict, InsufficientFunds, NotFound
from marketplace.models import Organization, User
from marketplace.money import currency, format_cents

logger = logging.getLogger(__name__)


def _actor(user: User | None) -> str:
    return getattr(user, "email", "") or ""


def _event(payout: Payout, *, from_status: str, actor: str = "", message: str = "") -> None:
    PayoutEvent.objects.create(
        payout=payout,
        from_status=from_status,
        to_status=payout.status,
        actor=actor[:254],
        message=message[:500],
    )


def _payout(payout_id: object) -> Payout:
    try:
        return Payout.objects.select_related("organization").get(pk=payout_id)
    except (Payout.DoesNotExist, DjangoValidationError, ValueError, TypeError) as exc:
        raise NotFound("No such payout.") from exc


def _transition(
    payout_id: object, *, from_status: str, only_method: str | None = None, **changes: object
) -> Payout:
    """Conditional UPDATE on the current status; 0 rows → 409 (decided elsewhere)."""
    match = Q(pk=payout_id, status=from_status)
    if only_method is not None:
        match &= Q(method=only_method)
    updated = Payout.objects.filter(match).update(**changes)
    if updated != 1:
        current = Payout.objects.filter(pk=payout_id).values_list("status", flat=True).first()
        if current is None:
            raise NotFound("No such payout.")
        raise Conflict(f"The payout is {current}, not {from_status}.")
    return Payout.objects.select_related("organization").get(pk=payout_id)


# --- ledger ----------------------------------------------------------------------


def payout_reverse(*, payout: Payout, reason: str) -> Transaction:
    """The payout's money goes back: platform payouts → the supplier's payable, once."""
    key = f"payout:{payout.pk}:reverse"
    amount = require_amount(payout.amount_cents)
    organization_id = payout.organization_id

    def post() -> Transaction:
        payable = accounts_lock([(organization_id, AccountKind.SUPPLIER_PAYABLE)])[
            (organization_id, AccountKind.SUPPLIER_PAYABLE)
        ]
        if existing := transaction_by_key(key, TransactionKind.PAYOUT):
            return existing
        if transaction_by_key(f"payout:{payout.pk}", TransactionKind.PAYOUT) is None:
            raise Conflict("This payout's money never left the payable balance.")
        return write_transaction(
            kind=TransactionKind.PAYOUT,
            key=key,
            description=f"Payout returned to payable ({reason}): {money(amount)}"[:500],
            reference_type="payout",
            reference_id=str(payout.pk),
            lines=[(platform_account(AccountKind.PLATFORM_PAYOUTS), -amount), (payable, amount)],
        )

    return once(key, TransactionKind.PAYOUT, post)


# --- request ---------------------------------------------------------------------


@transaction.atomic
def payout_request(
    *, organization: Organization, requested_by: User | None = None, amount_cents: int | None = None
) -> Payout:
    """A supplier asks for ``amount_cents`` (default: the whole payable balance).

    402 when payable is short, 409 while another payout is open.
    """
    check_parties(None, organization)
    if amount_cents is not None:
        require_amount(amount_cents)
    # The payable row's lock serialises a supplier's requests: the second one
    # waits, then sees the first payout and answers 409.
    payable = accounts_lock([(organization.pk, AccountKind.SUPPLIER_PAYABLE)])[
        (organization.pk, AccountKind.SUPPLIER_PAYABLE)
    ]
    if Payout.objects.filter(organization=organization, status__in=OPEN_PAYOUT_STATUSES).exists():
        raise Conflict("A payout is already pending; wait until it is paid or rejected.")
    amount = payable.balance_cents if amount_cents is None else amount_cents
    if amount <= 0:
        raise InsufficientFunds(
            "There is no payable balance to pay out.",
            extra={"available": format_cents(0), "needed": format_cents(0)},
        )
    require_funds(payable, amount, what="payable earnings")
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                organization=organization,
                amount_cents=amount,
                currency=currency(),
                requested_by=requested_by,
                stripe_account_id=organization.stripe_account_id or "",
            )
    except IntegrityError as exc:  # the one-open-payout index: a racing request won
        raise Conflict("A payout is already pending; wait until it is paid or rejected.") from exc
    payout_post(
        organization=organization,
        amount_cents=amount,
        idempotency_key=f"payout:{payout.pk}",
        reference_type="payout",
        reference_id=str(payout.pk),
    )
    _event(payout, from_status="", actor=_actor(requested_by), message=money(amount))
    return payout


# --- decisions -------------------------------------------------------------------


def payout_approve(*, payout_id: object, moderator: User) -> Payout:
    """Approve a requested payout. With a connected Stripe account this makes the transfer."""
    with transaction.atomic():
        payout = _payout(payout_id)
        method = (
            PayoutMethod.STRIPE_TRANSFER
            if payout.organization.stripe_account_id
            else PayoutMethod.MANUAL
        )
        payout = _transition(
            payout.pk,
            from_status=PayoutStatus.REQUESTED,
            status=PayoutStatus.APPROVED,
            method=method,
            stripe_account_id=payout.organization.stripe_account_id or "",
            decided_by=moderator,
            decided_at=timezone.now(),
        )
        _event(payout, from_status=PayoutStatus.REQUESTED, actor=_actor(moderator))
    if method == PayoutMethod.STRIPE_TRANSFER:
        payout = payout_transfer(payout_id=payout.pk)
    return payout


def payout_transfer(*, payout_id: object) -> Payout:
    """Make (or retry) the Stripe transfer of an approved payout and record the outcome.

    Must run outside any transaction: no row lock is held while Stripe answers.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("payout_transfer calls Stripe: call it outside a transaction.")
    payout = _payout(payout_id)
    if (
        payout.status != PayoutStatus.APPROVED
        or payout.method != PayoutMethod.STRIPE_TRANSFER
        or payout.stripe_transfer_id
    ):
        return payout
    try:
        result = transfer_create(
            payout_id=payout.pk,
            amount_cents=payout.amount_cents,
            currency=payout.currency,
            destination=payout.stripe_account_id,
        )
    except TransferUncertain as exc:
        logger.warning("payout %s: %s; will retry", payout.pk, exc.message)
        with transaction.atomic():
            Payout.objects.filter(pk=payout.pk, status=PayoutStatus.APPROVED).update(
                failure_reason=exc.message[:500]
            )
        payout.refresh_from_db()
        return payout
    except TransferFailed as exc:
        return _payout_fail(payout, reason=exc.message, actor="stripe")
    with transaction.atomic():
        payout = _transition(
            payout.pk,
            from_status=PayoutStatus.APPROVED,
            status=PayoutStatus.PAID,
            stripe_transfer_id=result.transfer_id,
            paid_at=timezone.now(),
            failure_reason="",
        )
        _event(
            payout,
            from_status=PayoutStatus.APPROVED,
            actor="stripe",
            message=f"Transfer {result.transfer_id}",
        )
    return payout


@transaction.atomic
def _payout_fail(payout: Payout, *, reason: str, actor: str) -> Payout:
    payout = _transition(
        payout.pk,
        from_status=PayoutStatus.APPROVED,
        status=PayoutStatus.FAILED,
        failed_at=timezone.now(),
        failure_reason=reason[:500],
    )
    payout_reverse(payout=payout, reason="transfer failed")
    _event(payout, from_status=PayoutStatus.APPROVED, actor=actor, message=reason)
    return payout


def payout_transfer_retry(
    *, older_than: timedelta = timedelta(minutes=10), limit: int = 100
) -> int:
    """Ask Stripe again about approved transfers that got no clear answer. Same key: no
    second transfer. Returns how many were retried."""
    cutoff = timezone.now() - older_than
    stuck = list(
        Payout.objects.filter(
            status=PayoutStatus.APPROVED,
            method=PayoutMethod.STRIPE_TRANSFER,
            stripe_transfer_id="",
            decided_at__lt=cutoff,
        )
        .order_by("decided_at")
        .values_list("pk", flat=True)[:limit]
    )
    for payout_id in stuck:
        payout_transfer(payout_id=payout_id)
    return len(stuck)


@transaction.atomic
def payout_reject(*, payout_id: object, moderator: User, reason: str = "") -> Payout:
    """Refuse a requested payout: its money goes back to payable."""
    note = str(reason or "").strip()[:500]
    payout = _payout(payout_id)
    payout = _transition(
        payout.pk,
        from_status=PayoutStatus.REQUESTED,
        status=PayoutStatus.REJECTED,
        decided_by=moderator,
        decided_at=timezone.now(),
        note=note,
    )
    payout_reverse(payout=payout, reason="rejected")
    _event(payout, from_status=PayoutStatus.REQUESTED, actor=_actor(moderator), message=note)
    return payout


@transaction.atomic
def payout_mark_paid(*, payout_id: object, moderator: User, reference: str) -> Payout:
    """A manual payout left the bank: record the bank's reference."""
    reference = require_text(reference, field="reference", max_length=200)
    payout = _payout(payout_id)
    if payout.status == PayoutStatus.APPROVED and payout.method != PayoutMethod.MANUAL:
        raise Conflict("This payout is paid by a Stripe transfer, not by hand.")
    payout = _transition(
        payout.pk,
        from_status=PayoutStatus.APPROVED,
        only_method=PayoutMethod.MANUAL,
        status=PayoutStatus.PAID,
        reference=reference,
        paid_at=timezone.now(),
    )
    _event(payout, from_status=PayoutStatus.APPROVED, actor=_actor(moderator), message=reference)
    return payout
