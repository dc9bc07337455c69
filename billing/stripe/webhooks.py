"""``POST /billing/stripe/webhook/``: Stripe's signed events.

1. The signature is checked with ``stripe.Webhook.construct_event`` (HMAC of
   the raw body with ``STRIPE_WEBHOOK_SECRET``, the library's 300 s tolerance)
   before anything else; a bad, missing or stale signature, a body that is not
   JSON or not a Stripe event → 400 in the error envelope, nothing stored.
2. The event is stored under its unique Stripe id in the view's own
   transaction. A replay, or a duplicate delivered concurrently (it waits on
   the unique index, then gets an IntegrityError), answers 200 and does
   nothing.
3. It is handled in a savepoint of that transaction; the row records
   processed / ignored / failed and the error. A failure is answered 200 too:
   a retry would find the same stored event, and a payment the webhook could
   not credit is picked up by reconciliation (``reconcile_stripe``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.models import StripeEvent, StripeEventStatus, TopUpStatus
from billing.services.topups import (
    Outcome,
    ignored,
    topup_close,
    topup_dispute,
    topup_refund,
    topup_settle,
)
from marketplace.api.errors import error_response

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


def _bad_request(code: str, message: str) -> JsonResponse:
    return error_response(400, code, message)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    header = request.headers.get("Stripe-Signature")
    if not header:
        return _bad_request("invalid_signature", "The Stripe-Signature header is missing.")
    if not settings.STRIPE_WEBHOOK_SECRET:
        return error_response(
            503, "not_configured", "Stripe webhooks are not configured on this server."
        )
    payload = request.body
    try:
        stripe.Webhook.construct_event(payload, header, settings.STRIPE_WEBHOOK_SECRET)
    except stripe.SignatureVerificationError as exc:
        return _bad_request("invalid_signature", f"The Stripe signature is not valid: {exc}")
    except ValueError:  # signed, but not JSON (or not UTF-8)
        return _bad_request("malformed_request", "The body is not JSON.")
    except Exception:  # signed JSON the library can't read as an event (e.g. a list)
        return _bad_request("not_an_event", "The body is not a Stripe event.")
    body = json.loads(payload)
    if problem := event_problem(body):
        return _bad_request("not_an_event", problem)
    row, repeat = event_receive(body)
    return JsonResponse(
        {"received": True, "id": row.stripe_id, "status": row.status, "duplicate": repeat}
    )
