"""The one call to Stripe Connect transfers.

Called only outside database transactions (the payout is claimed and committed
first), so a slow Stripe never holds a row lock. The idempotency key is the
payout's own id: a retry after a crash or a timeout gets Stripe's first answer
instead of a second transfer.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from django.conf import settings


class TransferFailed(Exception):
    """Stripe refused the transfer: no money moved; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransferUncertain(TransferFailed):
    """No clear answer (network error, timeout, Stripe 5xx): the transfer may have been
    made. Retry with the same idempotency key; never give the money back on this."""


@dataclass(frozen=True)
class TransferResult:
    transfer_id: str


def transfer_idempotency_key(payout_id: object) -> str:
    return f"payout-transfer-{payout_id}"


def transfer_create(
    *, payout_id: object, amount_cents: int, currency: str, destination: str
) -> TransferResult:
    """Move ``amount_cents`` from the platform's Stripe balance to a connected account."""
    if not settings.STRIPE_SECRET_KEY:
        raise TransferFailed("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
    if settings.STRIPE_API_BASE:
        # The library reads its base address from the module at request time.
        stripe.api_base = settings.STRIPE_API_BASE.rstrip("/")
    try:
        transfer = stripe.Transfer.create(
            amount=amount_cents,
            currency=currency.lower(),
            destination=destination,
            description=f"Leadmarket payout {payout_id}",
            metadata={"payout_id": str(payout_id)},
            transfer_group=f"payout-{payout_id}",
            api_key=settings.STRIPE_SECRET_KEY,
            idempotency_key=transfer_idempotency_key(payout_id),
        )
    except stripe.StripeError as exc:
        message = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
        status = getattr(exc, "http_status", None)
        unclear = status is None or status >= 500 or status in (409, 429)
        if isinstance(exc, stripe.APIConnectionError) or unclear:
            raise TransferUncertain(f"Stripe did not answer clearly: {message}"[:500]) from exc
        raise TransferFailed(f"Stripe: {message}"[:500]) from exc
    transfer_id = getattr(transfer, "id", None)
    if not transfer_id:
        raise TransferFailed("Stripe answered without a transfer id.")
    return TransferResult(transfer_id=str(transfer_id))
