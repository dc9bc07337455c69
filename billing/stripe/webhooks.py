"""``POST /billing/stripe/webhook/``: Stripe's signed events.

1. The signature is checked with ``stripe.Webhook.construct_event`` (HMAC of
   the raw body with ``STRIPE_WEBHOOK_SECRET``, the library's 300 s tolerance)
   before anything else; a bad, missing or stale signature, a body that is not
   JSON or not a Stripe event → 400 in the error envelope, nothing stored.
2. The event is stored under its unique Stripe id in its own transaction
   (``billing.stripe.events.event_receive``, shared with reconciliation). A
   replay, or a duplicate delivered concurrently (it waits on the unique
   index, then gets an IntegrityError), answers 200 and does nothing.
3. It is handled in a savepoint of that transaction; the row records
   processed / ignored / failed and the error. A failure is answered 200 too:
   a retry would find the same stored event. A lost delivery is picked up by
   reconciliation (``reconcile_stripe``), which lists recent events and paid
   Checkout Sessions from Stripe's API.
"""

from __future__ import annotations

import json

import stripe
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.stripe.events import event_problem, event_receive
from marketplace.api.errors import error_response


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
