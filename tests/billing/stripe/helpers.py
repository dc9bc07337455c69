"""Stripe test helpers: events signed exactly as Stripe signs them, and the
Stripe objects its events carry."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

from django.core.management import call_command

from billing.models import TopUp

WEBHOOK_SECRET = "whsec_test_leadmarket"
WEBHOOK_URL = "/billing/stripe/webhook/"
_events = itertools.count(1)


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header: t=<ts>,v1=<HMAC-SHA256(secret, "<ts>.<body>")>."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event(type_: str, obj: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_events):06d}_{int(time.time())}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": type_,
        "data": {"object": obj},
    }


def deliver(client, body: dict | bytes, **sign_kwargs):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, **sign_kwargs),
    )


def start_topup(buyer_actor, cents_text: str = "100.00") -> TopUp:
    response = buyer_actor.api().post(
        "/api/v1/wallet/topups/", {"amount": cents_text}, format="json"
    )
    assert response.status_code == 201, response.content
    return TopUp.objects.get(pk=response.json()["id"])


def payment_intent(session: dict, **overrides) -> dict:
    """The PaymentIntent behind a paid session, as ``payment_intent.succeeded`` carries it."""
    intent = {
        "id": session["payment_intent"],
        "object": "payment_intent",
        "status": "succeeded",
        "amount": session["amount_total"],
        "amount_received": session["amount_total"],
        "currency": session["currency"],
        "metadata": dict(session["metadata"]),
    }
    intent.update(overrides)
    return intent


def charge(session: dict, *, amount_refunded: int, charge_id: str = "ch_test_1") -> dict:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": session["amount_total"],
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded == session["amount_total"],
        "currency": session["currency"],
        "payment_intent": session["payment_intent"],
        "metadata": {},
    }


def dispute(session: dict, *, amount: int, dispute_id: str = "dp_test_1") -> dict:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": session["currency"],
        "charge": "ch_test_1",
        "payment_intent": session["payment_intent"],
        "reason": "fraudulent",
        "status": "needs_response",
        "metadata": {},
    }


def ledger_ok() -> None:
    call_command("check_ledger")
