"""POST /billing/stripe/webhook/: signed events credit a top-up exactly once."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from billing.models import StripeEvent, StripeEventStatus, TopUp, TopUpStatus, Transaction
from marketplace.models import ModerationFlag
from tests.billing.helpers import balances, fund
from tests.billing.stripe.helpers import (
    WEBHOOK_URL,
    charge,
    deliver,
    dispute,
    event,
    ledger_ok,
    payment_intent,
    sign,
    start_topup,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def paid(buyer_a, fake_stripe) -> tuple[TopUp, dict]:
    """A 100.00 top-up whose payer completed Checkout on Stripe's side."""
    topup = start_topup(buyer_a, "100.00")
    return topup, fake_stripe.pay(topup.checkout_session_id)


def topups_ledger() -> list[str]:
    return sorted(Transaction.objects.values_list("idempotency_key", flat=True))


def test_completed_session_credits_the_wallet_once(web, buyer_a, paid):
    topup, session = paid

    response = deliver(web, event("checkout.session.completed", session))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "processed"
    assert balances(buyer_a.organization)["available"] == 100_00
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.PAID
    assert topup.paid_at is not None
    assert topup.payment_intent_id == session["payment_intent"]
    assert topups_ledger() == [f"topup:{topup.pk}"]
    row = StripeEvent.objects.get()
    assert row.status == StripeEventStatus.PROCESSED
    assert row.processed_at is not None
    assert row.payload["data"]["object"]["id"] == session["id"]
    ledger_ok()


def test_replayed_event_answers_200_and_does_nothing(web, buyer_a, paid):
    _, session = paid
    body = event("checkout.session.completed", session)

    first = deliver(web, body)
    replay = deliver(web, body)

    assert first.status_code == replay.status_code == 200
    assert replay.json()["duplicate"] is True
    assert StripeEvent.objects.count() == 1
    assert Transaction.objects.count() == 1
    assert balances(buyer_a.organization)["available"] == 100_00
    ledger_ok()


@pytest.mark.parametrize(
    "first_type", ["payment_intent.succeeded", "checkout.session.async_payment_succeeded"]
)
def test_two_event_types_for_one_payment_credit_once_in_any_order(web, buyer_a, paid, first_type):
    topup, session = paid
    other = payment_intent(session) if first_type == "payment_intent.succeeded" else session

    # out of order: the other event type arrives before checkout.session.completed
    assert deliver(web, event(first_type, other)).json()["status"] == "processed"
    assert deliver(web, event("checkout.session.completed", session)).status_code == 200

    assert StripeEvent.objects.count() == 2
    assert set(StripeEvent.objects.values_list("status", flat=True)) == {"processed"}
    assert topups_ledger() == [f"topup:{topup.pk}"]
    assert balances(buyer_a.organization)["available"] == 100_00
    ledger_ok()


def test_unpaid_completed_session_credits_nothing_until_async_payment_succeeds(web, buyer_a, paid):
    topup, session = paid
    pending = {**session, "payment_status": "unpaid"}

    deliver(web, event("checkout.session.completed", pending))
    assert balances(buyer_a.organization)["available"] == 0
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.CREATED

    deliver(web, event("checkout.session.async_payment_succeeded", session))
    assert balances(buyer_a.organization)["available"] == 100_00


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ({"amount_total": 100_01}, "amount"),
        ({"amount_total": 1_00}, "amount"),
        ({"currency": "eur"}, "currency"),
        ({"amount_total": "10000"}, "amount"),
    ],
)
def test_amount_or_currency_mismatch_credits_nothing_and_flags(
    web, buyer_a, fake_stripe, tamper, problem
):
    topup = start_topup(buyer_a, "100.00")
    session = fake_stripe.pay(topup.checkout_session_id, **tamper)

    response = deliver(web, event("checkout.session.completed", session))

    assert response.status_code == 200
    row = StripeEvent.objects.get()
    assert row.status == StripeEventStatus.FAILED
    assert problem in row.error
    assert "Nothing was credited" in row.error
    assert not Transaction.objects.exists()
    assert balances(buyer_a.organization)["available"] == 0
    flag = ModerationFlag.objects.get()
    assert flag.organization == buyer_a.organization
    assert flag.code == "stripe_payment_mismatch"
    assert flag.reference_id == str(topup.pk)
    topup.refresh_from_db()
    assert topup.paid_at is None
    ledger_ok()


def test_metadata_pointing_at_another_organization_credits_nothing(
    web, buyer_a, buyer_b, fake_stripe
):
    topup = start_topup(buyer_a, "100.00")
    session = fake_stripe.pay(
        topup.checkout_session_id,
        metadata={"topup_id": str(topup.pk), "organization_id": str(buyer_b.organization.pk)},
    )

    deliver(web, event("checkout.session.completed", session))

    assert StripeEvent.objects.get().status == StripeEventStatus.FAILED
    assert not Transaction.objects.exists()


def test_payment_intent_with_a_different_amount_credits_nothing(web, buyer_a, paid):
    _, session = paid
    deliver(web, event("payment_intent.succeeded", payment_intent(session, amount_received=5)))
    assert not Transaction.objects.exists()
    assert ModerationFlag.objects.filter(code="stripe_payment_mismatch").exists()


# --- what is refused before anything is stored --------------------------------------


def _nothing_stored(buyer_a) -> None:
    assert not StripeEvent.objects.exists()
    assert not Transaction.objects.exists()
    assert balances(buyer_a.organization)["available"] == 0


def test_bad_signature_is_400(web, buyer_a, paid):
    _, session = paid
    payload = json.dumps(event("checkout.session.completed", session)).encode()

    response = web.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, secret="whsec_someone_else"),
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    _nothing_stored(buyer_a)


def test_tampered_body_is_400(web, buyer_a, paid):
    _, session = paid
    payload = json.dumps(event("checkout.session.completed", session)).encode()
    header = sign(payload)
    tampered = payload.replace(b"10000", b"99999")

    response = web.post(
        WEBHOOK_URL, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 400
    _nothing_stored(buyer_a)


def test_stale_timestamp_is_400(web, buyer_a, paid):
    _, session = paid
    stale = int(time.time()) - 301

    response = deliver(web, event("checkout.session.completed", session), timestamp=stale)

    assert response.status_code == 400
    assert "timestamp" in response.json()["error"]["message"].lower()
    _nothing_stored(buyer_a)


def test_missing_signature_header_is_400(web, buyer_a, paid):
    _, session = paid
    response = web.post(
        WEBHOOK_URL,
        data=json.dumps(event("checkout.session.completed", session)),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    _nothing_stored(buyer_a)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json at all",
        b"\xff\xfe\x00",
        b"",
    ],
)
def test_signed_body_that_is_not_json_is_400(web, buyer_a, payload):
    response = deliver(web, payload)
    assert response.status_code == 400
    assert "error" in response.json()
    _nothing_stored(buyer_a)


@pytest.mark.parametrize(
    "body",
    [
        [],
        ["evt_1"],
        "a string",
        42,
        {},
        {"id": "evt_1", "type": "checkout.session.completed"},
        {"id": "evt_1", "object": "event", "type": "x", "data": {"object": "nope"}},
        {"id": "cs_1", "object": "event", "type": "x", "data": {"object": {}}},
        {"id": "evt_1", "object": "charge", "type": "x", "data": {"object": {}}},
        {"id": "evt_1", "object": "event", "type": 7, "data": {"object": {}}},
    ],
)
def test_signed_json_that_is_not_a_stripe_event_is_400(web, buyer_a, body):
    response = deliver(web, json.dumps(body).encode())
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"not_an_event", "malformed_request"}
    _nothing_stored(buyer_a)


def test_unknown_event_type_is_200_and_stored_as_ignored(web, buyer_a):
    response = deliver(web, event("customer.created", {"id": "cus_1", "object": "customer"}))

    assert response.status_code == 200
    row = StripeEvent.objects.get()
    assert row.status == StripeEventStatus.IGNORED
    assert row.type == "customer.created"
    assert not Transaction.objects.exists()


def test_session_of_someone_else_is_ignored(web, buyer_a, fake_stripe):
    foreign = {
        "id": "cs_foreign",
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": 500,
        "currency": "usd",
        "metadata": {},
        "client_reference_id": None,
    }
    deliver(web, event("checkout.session.completed", foreign))
    assert StripeEvent.objects.get().status == StripeEventStatus.IGNORED
    assert not Transaction.objects.exists()


def test_get_is_405(web):
    assert web.get(WEBHOOK_URL).status_code == 405


def test_expired_session_closes_the_topup(web, buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "10.00")
    deliver(web, event("checkout.session.expired", fake_stripe.expire(topup.checkout_session_id)))
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.EXPIRED
    assert not Transaction.objects.exists()


# --- refunds and disputes ----------------------------------------------------------------


@pytest.fixture
def credited(web, buyer_a, paid) -> tuple[TopUp, dict]:
    topup, session = paid
    deliver(web, event("checkout.session.completed", session))
    assert balances(buyer_a.organization)["available"] == 100_00
    return topup, session


def test_refund_takes_the_money_back_once(web, buyer_a, credited):
    topup, session = credited
    body = event("charge.refunded", charge(session, amount_refunded=100_00))

    assert deliver(web, body).json()["status"] == "processed"
    assert deliver(web, body).json()["duplicate"] is True

    assert balances(buyer_a.organization)["available"] == 0
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.REFUNDED
    reversal = Transaction.objects.get(idempotency_key="stripe-refund:ch_test_1:10000")
    assert reversal.reference_type == "topup"
    assert reversal.reference_id == str(topup.pk)
    assert not ModerationFlag.objects.exists()
    ledger_ok()


def test_partial_refunds_debit_only_the_difference(web, buyer_a, credited):
    _, session = credited

    deliver(web, event("charge.refunded", charge(session, amount_refunded=30_00)))
    deliver(web, event("charge.refunded", charge(session, amount_refunded=50_00)))
    # a late, out-of-order delivery of the first partial refund changes nothing
    deliver(web, event("charge.refunded", charge(session, amount_refunded=30_00)))

    assert balances(buyer_a.organization)["available"] == 50_00
    ledger_ok()


def test_refund_without_funds_debits_nothing_and_flags(web, buyer_a, supplier_a, credited):
    from billing.services import cpl_charge

    _topup, session = credited
    cpl_charge(
        buyer=buyer_a.organization,
        supplier=supplier_a.organization,
        sale_id="spent-it",
        price_cents=90_00,
    )

    response = deliver(web, event("charge.refunded", charge(session, amount_refunded=100_00)))

    assert response.status_code == 200
    assert StripeEvent.objects.get(type="charge.refunded").status == StripeEventStatus.FAILED
    assert balances(buyer_a.organization)["available"] == 10_00
    assert not Transaction.objects.filter(idempotency_key__startswith="stripe-refund:").exists()
    flag = ModerationFlag.objects.get()
    assert flag.code == "stripe_refunded_unfunded"
    assert flag.organization == buyer_a.organization
    assert "100.00 USD" in flag.message
    assert "10.00 USD" in flag.message
    ledger_ok()


def test_dispute_takes_the_money_back_once(web, buyer_a, credited):
    topup, session = credited
    body = event("charge.dispute.created", dispute(session, amount=100_00))

    deliver(web, body)
    deliver(web, body)
    deliver(web, event("charge.dispute.created", dispute(session, amount=100_00)))  # new event id

    assert balances(buyer_a.organization)["available"] == 0
    assert Transaction.objects.filter(idempotency_key="stripe-dispute:dp_test_1").count() == 1
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.DISPUTED
    ledger_ok()


def test_dispute_without_funds_debits_nothing_and_flags(web, buyer_a, supplier_a, credited):
    from billing.services import cpl_charge

    _, session = credited
    cpl_charge(
        buyer=buyer_a.organization,
        supplier=supplier_a.organization,
        sale_id="spent-it",
        price_cents=100_00,
    )

    deliver(web, event("charge.dispute.created", dispute(session, amount=100_00)))

    assert balances(buyer_a.organization)["available"] == 0
    assert not Transaction.objects.filter(idempotency_key__startswith="stripe-dispute:").exists()
    assert ModerationFlag.objects.get().code == "stripe_disputed_unfunded"
    ledger_ok()


def test_refund_and_dispute_of_one_payment_never_take_back_more_than_it(web, buyer_a, credited):
    _, session = credited
    fund(buyer_a.organization, 500_00)  # other money in the wallet must stay

    deliver(web, event("charge.refunded", charge(session, amount_refunded=60_00)))
    deliver(web, event("charge.dispute.created", dispute(session, amount=100_00)))

    assert balances(buyer_a.organization)["available"] == 500_00
    ledger_ok()


def test_refund_for_a_topup_never_credited_flags_and_posts_nothing(web, buyer_a, paid):
    _, session = paid
    deliver(web, event("charge.refunded", charge(session, amount_refunded=100_00)))
    # the refund names the payment intent; the top-up learns it only when credited
    assert StripeEvent.objects.get().status in {StripeEventStatus.IGNORED, StripeEventStatus.FAILED}
    assert not Transaction.objects.exists()
