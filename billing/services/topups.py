"""Stripe top-ups: create a Checkout Session, credit a verified payment once,
reverse refunds and disputes.

One path credits money: ``topup_settle``. The webhook (``checkout.session.completed``,
``checkout.session.async_payment_succeeded``, ``payment_intent.succeeded``) and
reconciliation both call it with the Stripe object they hold. It locks the
``TopUp`` row, checks Stripe's amount and currency against the row exactly,
and posts through ``topup_credit`` with the key ``topup:<id>``: whichever event
(or reconciliation run) comes first credits, every other one finds the key and
posts nothing, in any order and under any concurrency.

Lock order: the ``TopUp`` row, then the buyer's accounts (``accounts_lock``).

Refunds and disputes (``topup_reverse``) take the money back from the buyer's
available balance: Stripe clearing gets it back, as an adjustment line linked
to the top-up. Keys: ``stripe-refund:<charge id>:<amount_refunded>`` (Stripe
reports the cumulative amount refunded, so each partial refund is its own
step and only the difference is debited) and ``stripe-dispute:<dispute id>``.
When the wallet can't pay (the money was already spent on leads), nothing is
debited — no partial debit, so the ledger never holds half a reversal — and
the organization is flagged for a moderator with the amounts; a moderator
settles it by hand (``credit_wallet`` / the credit page). The total reversed
never exceeds the top-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from billing.models import AccountKind, Entry, TopUp, TopUpStatus, TransactionKind
from billing.services.ledger import (
    accounts_lock,
    money,
    platform_account,
    transaction_by_key,
    write_transaction,
)
from billing.services.wallets import topup_credit
from billing.stripe import gateway
from marketplace.errors import ApplicationError, Forbidden, ValidationFailed
from marketplace.models import Organization, User
from marketplace.money import format_cents
from marketplace.services.flags import flag_raise

logger = logging.getLogger(__name__)


class PaymentsUnavailable(ApplicationError):
    """Stripe could not be reached or failed: nothing was charged; try again later."""

    code = "payment_provider_unavailable"
    status = 503


class PaymentsRefused(ApplicationError):
    """Stripe answered with an error for our request."""

    code = "payment_provider_error"
    status = 502


@dataclass(frozen=True)
class Outcome:
    """What handling one Stripe object did: ``processed``, ``ignored`` or ``failed``."""

    status: str
    message: str
    topup: TopUp | None = None
    credited: bool = False

    @property
    def error(self) -> str:
        return self.message if self.status == "failed" else ""


def processed(message: str, topup: TopUp | None = None, *, credited: bool = False) -> Outcome:
    return Outcome("processed", message, topup, credited)


def ignored(message: str, topup: TopUp | None = None) -> Outcome:
    return Outcome("ignored", message, topup)


def failed(message: str, topup: TopUp | None = None) -> Outcome:
    return Outcome("failed", message, topup)


# --- creating a top-up ------------------------------------------------------------


def topup_limits() -> tuple[int, int]:
    return settings.TOPUP_MIN_CENTS, settings.TOPUP_MAX_CENTS


def _check_amount(amount_cents: object) -> int:
    low, high = topup_limits()
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise ValidationFailed('Send an amount such as "100.00".', fields={"amount": ["Invalid."]})
    if amount_cents < low:
        problem = f"The smallest top-up is {money(low)}."
        raise ValidationFailed(problem, fields={"amount": [problem]})
    if amount_cents > high:
        problem = f"The largest top-up is {money(high)}."
        raise ValidationFailed(problem, fields={"amount": [problem]})
    return amount_cents


def topup_create(
    *, organization: Organization, user: object, amount_cents: int, site_url: str
) -> TopUp:
    """Record a top-up, then open a Stripe Checkout Session for it.

    The row is committed before Stripe is called (no transaction is held open
    across the network), so its id is the session's reference and the Stripe
    idempotency key. If Stripe fails the top-up is marked failed and
    ``PaymentsUnavailable``/``PaymentsRefused`` is raised; nothing is credited
    either way — only a verified Stripe event credits.
    """
    if not organization.is_buyer:
        raise Forbidden("Only a buyer organization has a wallet to top up.")
    amount = _check_amount(amount_cents)
    topup = TopUp.objects.create(
        organization=organization,
        created_by=user if isinstance(user, User) else None,
        amount_cents=amount,
        currency=settings.CURRENCY,
    )
    site = site_url.rstrip("/")
    return_path = reverse("billing:topup_detail", args=[topup.pk])
    try:
        session = gateway.checkout_session_create(
            topup_id=topup.pk,
            organization_id=organization.pk,
            amount_cents=amount,
            currency=topup.currency,
            product_name=f"Leadmarket wallet top-up ({organization.name})"[:250],
            success_url=f"{site}{return_path}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{site}{reverse('billing:topup')}?cancelled={topup.pk}",
            customer_email=user.email if isinstance(user, User) else "",
        )
    except gateway.GatewayError as exc:
        logger.warning("Checkout Session for top-up %s failed: %s", topup.pk, exc.message)
        TopUp.objects.filter(pk=topup.pk).update(
            status=TopUpStatus.FAILED, failure_reason=exc.message[:500], updated_at=timezone.now()
        )
        if isinstance(exc, gateway.GatewayUnavailable):
            raise PaymentsUnavailable(
                "The payment provider is unavailable right now; nothing was charged. "
                "Please try again in a few minutes.",
                extra={"topup_id": str(topup.pk)},
            ) from exc
        raise PaymentsRefused(
            "The payment provider refused to start this payment; nothing was charged.",
            extra={"topup_id": str(topup.pk)},
        ) from exc
    TopUp.objects.filter(pk=topup.pk).update(
        checkout_session_id=session.id, checkout_url=session.url, updated_at=timezone.now()
    )
    topup.checkout_session_id = session.id
    topup.checkout_url = session.url
    return topup


# --- finding the top-up behind a Stripe object ----------------------------------------


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _id_of(value: object) -> str:
    """A Stripe reference that may be an id or an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _metadata(obj: dict) -> dict:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _topup_for(
    obj: dict, *, session_id: str = "", payment_intent_id: str = "", lock: bool = True
) -> TopUp | None:
    queryset = TopUp.objects.select_for_update() if lock else TopUp.objects.all()
    queryset = queryset.select_related("organization")
    for candidate in (_metadata(obj).get("topup_id"), obj.get("client_reference_id")):
        if (topup_id := _uuid(candidate)) is not None:
            found = queryset.filter(pk=topup_id).first()
            if found is not None:
                return found
    if session_id:
        found = queryset.filter(checkout_session_id=session_id).first()
        if found is not None:
            return found
    if payment_intent_id:
        return queryset.filter(payment_intent_id=payment_intent_id).first()
    return None


def _mismatch(topup: TopUp, problem: str, *, stripe_ref: str) -> Outcome:
    message = (
        f"Stripe's payment {stripe_ref} does not match top-up {topup.pk}: {problem}. "
        "Nothing was credited."
    )
    flag_raise(
        organization=topup.organization,
        code="stripe_payment_mismatch",
        message=message,
        reference_type="topup",
        reference_id=str(topup.pk),
    )
    TopUp.objects.filter(pk=topup.pk).update(failure_reason=message[:500])
    return failed(message, topup)


# --- crediting: the one path ------------------------------------------------------


def topup_settle(obj: dict) -> Outcome:
    """Credit the top-up behind a paid Checkout Session or a succeeded PaymentIntent, once.

    ``obj`` is the Stripe object as a dict, from a verified webhook event or
    from Stripe's API (reconciliation). Safe to call any number of times,
    concurrently, in any order.
    """
    kind = obj.get("object")
    if kind == "checkout.session":
        session_id = _id_of(obj.get("id"))
        payment_intent_id = _id_of(obj.get("payment_intent"))
        paid = obj.get("payment_status") == "paid"
        amount = obj.get("amount_total")
        stripe_ref = session_id
    elif kind == "payment_intent":
        session_id = ""
        payment_intent_id = _id_of(obj.get("id"))
        paid = obj.get("status") == "succeeded"
        # amount_received is what was captured; older/fake APIs only report amount.
        amount = obj.get("amount_received", obj.get("amount"))
        stripe_ref = payment_intent_id
    else:
        return ignored(f"Not a Checkout Session or PaymentIntent: {kind!r}.")

    with transaction.atomic():
        topup = _topup_for(obj, session_id=session_id, payment_intent_id=payment_intent_id)
        if topup is None:
            return ignored(f"No top-up of ours behind {stripe_ref or 'this object'}.")
        if not paid:
            return processed(f"{stripe_ref}: not paid yet; nothing credited.", topup)
        problems = []
        if session_id and topup.checkout_session_id and topup.checkout_session_id != session_id:
            problems.append(f"session {session_id}, expected {topup.checkout_session_id}")
        org_ref = _metadata(obj).get("organization_id")
        if org_ref is not None and _uuid(org_ref) != topup.organization_id:
            problems.append(f"organization {org_ref}, expected {topup.organization_id}")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount != topup.amount_cents:
            problems.append(f"amount {amount!r} cents, expected {topup.amount_cents}")
        stripe_currency = obj.get("currency")
        if not isinstance(stripe_currency, str) or stripe_currency.upper() != topup.currency:
            problems.append(f"currency {stripe_currency!r}, expected {topup.currency}")
        if problems:
            return _mismatch(topup, "; ".join(problems), stripe_ref=stripe_ref)

        already = topup.paid_at is not None
        topup_credit(
            organization=topup.organization,
            amount_cents=topup.amount_cents,
            idempotency_key=f"topup:{topup.pk}",
            reference_type="topup",
            reference_id=str(topup.pk),
            description=f"Wallet top-up of {money(topup.amount_cents)} (Stripe)",
        )
        changes: dict = {}
        if not already:
            changes["paid_at"] = timezone.now()
            if topup.status in (TopUpStatus.CREATED, TopUpStatus.FAILED, TopUpStatus.EXPIRED):
                changes["status"] = TopUpStatus.PAID
            changes["failure_reason"] = ""
        if payment_intent_id and not topup.payment_intent_id:
            changes["payment_intent_id"] = payment_intent_id
        if session_id and not topup.checkout_session_id:
            changes["checkout_session_id"] = session_id
        if changes:
            TopUp.objects.filter(pk=topup.pk).update(**changes, updated_at=timezone.now())
            for field, value in changes.items():
                setattr(topup, field, value)
    if already:
        return processed(f"Top-up {topup.pk} was already credited; nothing posted.", topup)
    return processed(
        f"Credited {money(topup.amount_cents)} to {topup.organization.name} (top-up {topup.pk}).",
        topup,
        credited=True,
    )


def topup_close(obj: dict, *, status: str) -> Outcome:
    """A session that expired or whose delayed payment failed: the top-up ends unpaid."""
    session_id = _id_of(obj.get("id"))
    with transaction.atomic():
        topup = _topup_for(obj, session_id=session_id)
        if topup is None:
            return ignored(f"No top-up of ours behind {session_id or 'this object'}.")
        if topup.paid_at is not None or topup.status != TopUpStatus.CREATED:
            return processed(f"Top-up {topup.pk} is {topup.status}; left as it is.", topup)
        TopUp.objects.filter(pk=topup.pk).update(status=status, updated_at=timezone.now())
        topup.status = status
    return processed(f"Top-up {topup.pk} marked {status}.", topup)


# --- refunds and disputes ------------------------------------------------------------


def _reversed_cents(topup: TopUp, *, key_prefix: str = "") -> int:
    """Money already taken back from the buyer for this top-up (optionally one charge's refunds)."""
    entries = Entry.objects.filter(
        transaction__kind=TransactionKind.ADJUSTMENT,
        transaction__reference_type="topup",
        transaction__reference_id=str(topup.pk),
        account__organization_id=topup.organization_id,
        account__kind=AccountKind.BUYER_AVAILABLE,
    )
    if key_prefix:
        entries = entries.filter(transaction__idempotency_key__startswith=key_prefix)
    return -(entries.aggregate(total=Sum("amount_cents"))["total"] or 0)


def topup_reverse(
    *,
    topup_id: UUID,
    amount_cents: int,
    key: str,
    what: str,
    stripe_ref: str,
    status: str,
    key_prefix: str = "",
) -> Outcome:
    """Take ``amount_cents`` back from the buyer for a refunded or disputed top-up.

    With ``key_prefix`` the amount is cumulative for that prefix (Stripe's
    ``amount_refunded``) and only what was not yet reversed is debited.
    """
    with transaction.atomic():
        topup = TopUp.objects.select_for_update().select_related("organization").get(pk=topup_id)
        organization = topup.organization
        account = accounts_lock([(organization.pk, AccountKind.BUYER_AVAILABLE)])[
            (organization.pk, AccountKind.BUYER_AVAILABLE)
        ]
        if transaction_by_key(key, TransactionKind.ADJUSTMENT) is not None:
            return processed(f"{what} {stripe_ref} was already taken back; nothing posted.", topup)
        if topup.paid_at is None:
            message = (
                f"{what} {stripe_ref} for top-up {topup.pk}, which was never credited: "
                "nothing to take back. Check the payment in Stripe."
            )
            flag_raise(
                organization=organization,
                code="stripe_reversal_uncredited",
                message=message,
                reference_type="topup",
                reference_id=str(topup.pk),
            )
            return failed(message, topup)
        wanted = amount_cents
        if key_prefix:
            wanted -= _reversed_cents(topup, key_prefix=key_prefix)
        wanted = min(wanted, topup.amount_cents - _reversed_cents(topup))
        TopUp.objects.filter(pk=topup.pk).update(status=status, updated_at=timezone.now())
        topup.status = status
        if wanted <= 0:
            return processed(f"{what} {stripe_ref}: nothing left to take back.", topup)
        if account.balance_cents < wanted:
            message = (
                f"{what} {stripe_ref} of top-up {topup.pk}: {money(wanted)} should be taken back "
                f"but the wallet holds {money(account.balance_cents)}. Nothing was debited; "
                "settle it by hand."
            )
            flag_raise(
                organization=organization,
                code=f"stripe_{status}_unfunded",
                message=message,
                reference_type="topup",
                reference_id=str(topup.pk),
            )
            return failed(message, topup)
        write_transaction(
            kind=TransactionKind.ADJUSTMENT,
            key=key,
            description=f"{what} of a Stripe top-up ({stripe_ref}): {money(wanted)} taken back",
            reference_type="topup",
            reference_id=str(topup.pk),
            lines=[
                (account, -wanted),
                (platform_account(AccountKind.PLATFORM_STRIPE_CLEARING), wanted),
            ],
        )
    return processed(f"{what} {stripe_ref}: took back {format_cents(wanted)}.", topup)


def topup_refund(charge: dict) -> Outcome:
    """``charge.refunded``: Stripe's ``amount_refunded`` is the total refunded so far."""
    charge_id = _id_of(charge.get("id"))
    refunded = charge.get("amount_refunded")
    if not charge_id or isinstance(refunded, bool) or not isinstance(refunded, int):
        return failed("A refunded charge without an id or an amount_refunded.")
    topup = _topup_for(charge, payment_intent_id=_id_of(charge.get("payment_intent")), lock=False)
    if topup is None:
        return ignored(f"No top-up of ours behind charge {charge_id}.")
    if str(charge.get("currency", "")).upper() != topup.currency:
        return _mismatch(topup, f"refund in {charge.get('currency')!r}", stripe_ref=charge_id)
    if refunded <= 0:
        return processed(f"Charge {charge_id}: nothing refunded.", topup)
    prefix = f"stripe-refund:{charge_id}:"
    return topup_reverse(
        topup_id=topup.pk,
        amount_cents=refunded,
        key=f"{prefix}{refunded}",
        key_prefix=prefix,
        what="Refund",
        stripe_ref=charge_id,
        status=TopUpStatus.REFUNDED,
    )


def topup_dispute(dispute: dict) -> Outcome:
    """``charge.dispute.created``: the disputed amount is held by Stripe, so take it back."""
    dispute_id = _id_of(dispute.get("id"))
    amount = dispute.get("amount")
    if not dispute_id or isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return failed("A dispute without an id or a positive amount.")
    topup = _topup_for(dispute, payment_intent_id=_id_of(dispute.get("payment_intent")), lock=False)
    if topup is None:
        return ignored(f"No top-up of ours behind dispute {dispute_id}.")
    if str(dispute.get("currency", "")).upper() != topup.currency:
        return _mismatch(topup, f"dispute in {dispute.get('currency')!r}", stripe_ref=dispute_id)
    return topup_reverse(
        topup_id=topup.pk,
        amount_cents=amount,
        key=f"stripe-dispute:{dispute_id}",
        what="Dispute",
        stripe_ref=dispute_id,
        status=TopUpStatus.DISPUTED,
    )
