"""Concurrent deliveries on PostgreSQL: duplicates and sibling events credit once."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from billing.models import StripeEvent, Transaction
from tests.billing.helpers import balances
from tests.billing.stripe.helpers import (
    WEBHOOK_URL,
    event,
    ledger_ok,
    payment_intent,
    sign,
    start_topup,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 10


def _race(bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []
    lock = threading.Lock()

    def post(body: dict) -> None:
        payload = json.dumps(body).encode()
        try:
            barrier.wait()
            status = (
                Client()
                .post(
                    WEBHOOK_URL,
                    data=payload,
                    content_type="application/json",
                    HTTP_STRIPE_SIGNATURE=sign(payload),
                )
                .status_code
            )
        except Exception as exc:  # reported by the assertion
            status = repr(exc)
        finally:
            connection.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_ten_concurrent_duplicates_of_one_event_credit_once(buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "100.00")
    body = event("checkout.session.completed", fake_stripe.pay(topup.checkout_session_id))

    statuses = _race([body] * THREADS)

    assert statuses == [200] * THREADS
    assert StripeEvent.objects.count() == 1
    assert StripeEvent.objects.get().status == "processed"
    assert list(Transaction.objects.values_list("idempotency_key", flat=True)) == [
        f"topup:{topup.pk}"
    ]
    assert balances(buyer_a.organization)["available"] == 100_00
    ledger_ok()


def test_concurrent_different_events_for_one_payment_credit_once(buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "100.00")
    session = fake_stripe.pay(topup.checkout_session_id)
    bodies = []
    for n in range(THREADS):
        if n % 3 == 0:
            bodies.append(event("payment_intent.succeeded", payment_intent(session)))
        elif n % 3 == 1:
            bodies.append(event("checkout.session.async_payment_succeeded", session))
        else:
            bodies.append(event("checkout.session.completed", session))

    statuses = _race(bodies)

    assert statuses == [200] * THREADS
    assert StripeEvent.objects.count() == THREADS
    assert set(StripeEvent.objects.values_list("status", flat=True)) == {"processed"}
    assert Transaction.objects.count() == 1
    assert balances(buyer_a.organization)["available"] == 100_00
    ledger_ok()
