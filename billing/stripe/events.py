"""A Stripe event, however it reached us, is stored once and handled once.

The webhook (``billing.stripe.webhooks``) hands over the signed events Stripe
posts; reconciliation (``billing.stripe.reconcile``) hands over the events it
lists from Stripe's API in case a delivery was lost. Both call
``event_receive``: the event is stored under its unique Stripe id in one
transaction, so a replay, a concurrent duplicate or an event both delivered
and listed is handled exactly once. Handling runs in a savepoint; the row
records processed / ignored / failed and the error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import StripeEvent, StripeEventStatus, TopUpStatus
from billing.services.topups import (
    Outcome,
    ignored,
    topup_close,
    topup_dispute,
    topup_refund,
    topup_settle,
)

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], Outcome]] = {
    "checkout.session.completed": topup_settle,
    "checkout.session.async_payment_succeeded": topup_settle,
    "payment_intent.succeeded": topup_settle,
    "checkout.session.async_payment_failed": lambda obj: topup_close(
        obj, status=TopUpStatus.FAILED
    ),
    "checkout.session.expired": lambda obj: topup_close(obj, status=TopUpStatus.EXPIRED),
    "charge.refunded": topup_refund,
    "charge.dispute.created": topup_dispute,
}


def event_problem(body: object) -> str:
    """Why a JSON body is not a Stripe event (empty when it is one)."""
    if not isinstance(body, dict):
        return "The body is not a JSON object."
    if body.get("object") != "event":
        return 'The body is not a Stripe event (no "object": "event").'
    event_id = body.get("id")
    if not isinstance(event_id, str) or not event_id.startswith("evt_") or len(event_id) > 255:
        return "The event has no valid id."
    if not isinstance(body.get("type"), str) or not body["type"] or len(body["type"]) > 100:
        return "The event has no type."
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "The event has no data.object."
    return ""


def event_handle(body: dict) -> Outcome:
    handler = HANDLERS.get(body["type"])
    if handler is None:
        return ignored(f"Event type {body['type']} is not used.")
    return handler(body["data"]["object"])


def event_receive(body: dict) -> tuple[StripeEvent, bool]:
    """Store and handle one verified event, once. Returns the row and whether it was a repeat."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = StripeEvent.objects.create(
                    stripe_id=body["id"],
                    type=body["type"],
                    livemode=bool(body.get("livemode")),
                    payload=body,
                )
        except IntegrityError:
            return StripeEvent.objects.get(stripe_id=body["id"]), True
        try:
            with transaction.atomic():
                outcome = event_handle(body)
        except Exception as exc:  # recorded on the row; the event is not lost
            logger.exception("Stripe event %s (%s) failed", body["id"], body["type"])
            row.status = StripeEventStatus.FAILED
            row.error = f"{exc.__class__.__name__}: {exc}"[:5000]
        else:
            row.status = outcome.status
            row.error = outcome.error[:5000]
            logger.info("Stripe event %s (%s): %s", body["id"], body["type"], outcome.message)
        row.processed_at = timezone.now()
        row.save(update_fields=["status", "error", "processed_at"])
    return row, False
