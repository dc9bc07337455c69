"""Every call to the ``stripe`` library for top-ups goes through here.

A ``StripeClient`` per call, configured from settings (``STRIPE_SECRET_KEY``,
``STRIPE_API_BASE`` so tests can point it at a local server,
``STRIPE_TIMEOUT_SECONDS``), instead of the library's module-level globals.
Creating calls send a Stripe idempotency key derived from our own row id, so a
retry after a timeout gets Stripe's first answer instead of a second session.
Never call these while holding database row locks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import stripe
from django.conf import settings


class GatewayError(Exception):
    """Stripe could not do it. ``message`` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class GatewayUnavailable(GatewayError):
    """No answer, a timeout, a rate limit or a Stripe 5xx: worth retrying later."""


class GatewayRefused(GatewayError):
    """Stripe answered and refused (4xx): retrying the same call won't help."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def checkout_idempotency_key(topup_id: object) -> str:
    return f"topup-checkout-{topup_id}"


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise GatewayUnavailable("Payments are not configured (STRIPE_SECRET_KEY is empty).")
    base = (settings.STRIPE_API_BASE or "").rstrip("/")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else None,
        max_network_retries=1,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _translate(exc: stripe.StripeError) -> GatewayError:
    detail = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
    status = getattr(exc, "http_status", None)
    if isinstance(exc, stripe.APIConnectionError) or status is None:
        return GatewayUnavailable(f"Stripe could not be reached: {detail}"[:500])
    if status >= 500 or status == 429:
        return GatewayUnavailable(f"Stripe is not answering properly ({status}): {detail}"[:500])
    return GatewayRefused(f"Stripe refused the request ({status}): {detail}"[:500])


def checkout_session_create(
    *,
    topup_id: object,
    organization_id: object,
    amount_cents: int,
    currency: str,
    product_name: str,
    success_url: str,
    cancel_url: str,
    customer_email: str = "",
) -> CheckoutSession:
    """A one-line Checkout Session in payment mode for one top-up."""
    metadata = {"topup_id": str(topup_id), "organization_id": str(organization_id)}
    params: dict = {
        "mode": "payment",
        "client_reference_id": str(topup_id),
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount_cents,
                    "product_data": {"name": product_name},
                },
            }
        ],
        "metadata": metadata,
        # The PaymentIntent (and its events) carry the same ids.
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if customer_email:
        params["customer_email"] = customer_email
    try:
        session = client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": checkout_idempotency_key(topup_id)}
        )
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    session_id = getattr(session, "id", None)
    url = getattr(session, "url", None)
    if not session_id or not url:
        raise GatewayUnavailable("Stripe answered without a Checkout Session id or address.")
    return CheckoutSession(id=str(session_id), url=str(url))


def checkout_sessions_since(created_gte: int) -> Iterator[dict]:
    """Checkout Sessions created at or after a Unix time, newest first, as plain dicts."""
    try:
        page = client().v1.checkout.sessions.list(
            params={"created": {"gte": created_gte}, "limit": 100}
        )
        for session in page.auto_paging_iter():
            yield session.to_dict()
    except stripe.StripeError as exc:
        raise _translate(exc) from exc


def events_since(created_gte: int, *, types: Sequence[str]) -> Iterator[dict]:
    """Events of these types created at or after a Unix time, as plain JSON-ready dicts.

    One listing per type with Stripe's ``type`` filter (every Stripe API, and
    localstripe, has it), each newest first.
    """
    try:
        for event_type in types:
            page = client().v1.events.list(
                params={"type": event_type, "created": {"gte": created_gte}, "limit": 100}
            )
            for event in page.auto_paging_iter():
                yield event.to_dict(for_json=True)
    except stripe.StripeError as exc:
        raise _translate(exc) from exc


def checkout_session_retrieve(session_id: str) -> dict:
    try:
        return client().v1.checkout.sessions.retrieve(session_id).to_dict()
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
