"""End to end against localstripe: a real PaymentIntent confirmed through the
library, and localstripe's own signed ``payment_intent.succeeded`` webhook
delivered over HTTP to our endpoint, credits the top-up once."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from billing.models import StripeEvent, TopUp
from billing.stripe.gateway import client
from billing.stripe.reconcile import ReconcileReport, reconcile_events
from tests.billing.helpers import balances
from tests.billing.stripe.helpers import WEBHOOK_SECRET, WEBHOOK_URL, ledger_ok

localstripe_server = pytest.importorskip("localstripe.server")
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    from aiohttp import web
    from localstripe.resources import store

    store.dump_to_disk = lambda: None  # keep its state in memory, not in /tmp
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(localstripe_server.app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)


def pay(topup: TopUp):
    """The payer pays the top-up in localstripe: a card PaymentIntent, confirmed."""
    stripe = client()
    method = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    intent = stripe.v1.payment_intents.create(
        params={
            "amount": topup.amount_cents,
            "currency": topup.currency.lower(),
            "payment_method": method.id,
            "metadata": {
                "topup_id": str(topup.pk),
                "organization_id": str(topup.organization_id),
            },
        }
    )
    stripe.v1.payment_intents.confirm(intent.id)
    return intent


def test_localstripe_signed_payment_intent_webhook_credits_once(
    localstripe, live_server, settings, buyer_a
):
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_SECRET_KEY = "sk_test_leadmarket"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    hook = requests.post(
        f"{localstripe}/_config/webhooks/leadmarket",
        data={"url": f"{live_server.url}{WEBHOOK_URL}", "secret": WEBHOOK_SECRET},
        timeout=10,
    )
    assert hook.status_code == 200
    organization = buyer_a.organization
    topup = TopUp.objects.create(organization=organization, amount_cents=25_00, currency="USD")

    intent = pay(topup)

    deadline = time.monotonic() + 15
    while (
        time.monotonic() < deadline
        and not StripeEvent.objects.filter(type="payment_intent.succeeded").exists()
    ):
        time.sleep(0.2)

    row = StripeEvent.objects.get(type="payment_intent.succeeded")
    assert row.status == "processed", row.error
    assert balances(organization)["available"] == 25_00
    topup.refresh_from_db()
    assert topup.payment_intent_id == intent.id
    assert topup.paid_at is not None
    ledger_ok()


def test_localstripe_payment_whose_webhook_was_lost_is_credited_by_the_events_pass(
    localstripe, settings, buyer_a
):
    # given: localstripe's webhook points nowhere (the delivery is lost)
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_SECRET_KEY = "sk_test_leadmarket"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}{WEBHOOK_URL}"
    requests.post(
        f"{localstripe}/_config/webhooks/leadmarket",
        data={"url": dead, "secret": WEBHOOK_SECRET},
        timeout=10,
    ).raise_for_status()
    organization = buyer_a.organization
    topup = TopUp.objects.create(organization=organization, amount_cents=12_34, currency="USD")
    intent = pay(topup)
    since = int(time.time()) - 3600

    # when: the events pass lists localstripe's events (its list takes ``type`` and
    # ``created[gte]`` and refuses unknown parameters) twice
    first = ReconcileReport()
    reconcile_events(first, since=since)
    second = ReconcileReport()
    reconcile_events(second, since=since)

    # then: the payment is credited once
    ours = StripeEvent.objects.get(
        type="payment_intent.succeeded", payload__data__object__id=intent.id
    )
    assert ours.status == "processed", ours.error
    assert ours in first.events_handled
    assert second.events_handled == []
    assert second.events_known == first.events_seen
    assert balances(organization)["available"] == 12_34
    topup.refresh_from_db()
    assert topup.paid_at is not None
    ledger_ok()
