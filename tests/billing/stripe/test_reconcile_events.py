"""reconcile_stripe also lists Stripe's recent events: a refund, dispute or
payment whose webhook was lost is applied exactly once, through the webhook's
own idempotent path (one StripeEvent row per Stripe event id)."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from billing.models import (
    StripeEvent,
    StripeEventStatus,
    TopUpStatus,
    Transaction,
    TransactionKind,
)
from billing.services import adjustment_post
from billing.stripe import gateway
from billing.stripe.reconcile import EVENT_TYPES
from marketplace.models import ModerationFlag
from tests.billing.helpers import balances
from tests.billing.stripe.helpers import charge, deliver, dispute, ledger_ok, start_topup

pytestmark = pytest.mark.django_db


def reconcile(*args: str) -> tuple[list[str], list[str]]:
    out, err = StringIO(), StringIO()
    call_command("reconcile_stripe", *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines(), err.getvalue().strip().splitlines()


def paid_topup(buyer_actor, fake_stripe, amount: str = "100.00") -> dict:
    """A top-up paid and credited through its delivered webhook; returns the session."""
    topup = start_topup(buyer_actor, amount)
    session = fake_stripe.pay(topup.checkout_session_id)
    response = deliver(Client(), fake_stripe.emit("checkout.session.completed", session))
    assert response.json()["status"] == "processed"
    return session


def test_a_lost_refund_webhook_is_applied_once(buyer_a, fake_stripe):
    # given: a credited top-up, then a refund whose webhook never arrived
    session = paid_topup(buyer_a, fake_stripe)
    refund = fake_stripe.emit("charge.refunded", charge(session, amount_refunded=40_00))

    lines, errors = reconcile()

    assert lines[-1] == (
        "1 sessions checked, 0 credited, 1 already credited, 0 unpaid, 0 expired, 0 failed"
        "; 2 events checked, 1 handled, 1 already received, 0 failed"
    )
    assert f"Stripe event {refund['id']} (charge.refunded): processed" in lines
    assert errors == []
    assert balances(buyer_a.organization)["available"] == 60_00
    reversal = Transaction.objects.get(kind=TransactionKind.ADJUSTMENT)
    assert reversal.idempotency_key == "stripe-refund:ch_test_1:4000"
    assert StripeEvent.objects.get(stripe_id=refund["id"]).status == StripeEventStatus.PROCESSED
    assert buyer_a.organization.topups.get().status == TopUpStatus.REFUNDED

    # when: reconciliation runs again and the late webhook finally arrives
    again, _ = reconcile()
    late = deliver(Client(), refund)

    # then: nothing more is taken back
    assert again[-1].endswith("2 events checked, 0 handled, 2 already received, 0 failed")
    assert late.status_code == 200
    assert late.json()["duplicate"] is True
    assert Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).count() == 1
    assert balances(buyer_a.organization)["available"] == 60_00
    assert StripeEvent.objects.filter(stripe_id=refund["id"]).count() == 1
    ledger_ok()


def test_a_lost_dispute_webhook_is_applied_once(buyer_a, fake_stripe):
    session = paid_topup(buyer_a, fake_stripe)
    fake_stripe.emit("charge.dispute.created", dispute(session, amount=25_00))

    reconcile()
    reconcile()

    assert balances(buyer_a.organization)["available"] == 75_00
    reversal = Transaction.objects.get(kind=TransactionKind.ADJUSTMENT)
    assert reversal.idempotency_key == "stripe-dispute:dp_test_1"
    assert buyer_a.organization.topups.get().status == TopUpStatus.DISPUTED
    ledger_ok()


def test_a_missed_payment_and_its_refund_listed_together_credit_then_take_back(
    buyer_a, fake_stripe
):
    # given: neither the payment's nor the refund's webhook arrived
    topup = start_topup(buyer_a, "100.00")
    session = fake_stripe.pay(topup.checkout_session_id)
    fake_stripe.emit("checkout.session.completed", session, created=int(time.time()) - 60)
    fake_stripe.emit("charge.refunded", charge(session, amount_refunded=100_00))

    lines, errors = reconcile()

    # then: the session pass credits, the events pass takes the refund back; each
    # event is stored once (the completed one finds the top-up already credited)
    assert lines[-1] == (
        "1 sessions checked, 1 credited, 0 already credited, 0 unpaid, 0 expired, 0 failed"
        "; 2 events checked, 2 handled, 0 already received, 0 failed"
    )
    assert errors == []
    assert balances(buyer_a.organization)["available"] == 0
    assert Transaction.objects.count() == 2  # the credit and its reversal, nothing else
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.REFUNDED
    assert set(StripeEvent.objects.values_list("type", "status")) == {
        ("checkout.session.completed", "processed"),
        ("charge.refunded", "processed"),
    }
    ledger_ok()


def test_an_unfunded_dispute_is_flagged_once_and_not_retried(buyer_a, fake_stripe):
    # given: the wallet's money was already taken (a manual debit), then a lost dispute
    session = paid_topup(buyer_a, fake_stripe)
    adjustment_post(organization=buyer_a.organization, amount_cents=-90_00, reason="Spent")
    fake_stripe.emit("charge.dispute.created", dispute(session, amount=50_00))

    lines, errors = reconcile()
    reconcile()

    assert lines[-1].endswith("2 events checked, 1 handled, 1 already received, 1 failed")
    assert len(errors) == 1
    assert "charge.dispute.created" in errors[0]
    assert "settle it by hand" in errors[0]
    assert balances(buyer_a.organization)["available"] == 10_00
    assert ModerationFlag.objects.filter(code="stripe_disputed_unfunded").count() == 1
    assert StripeEvent.objects.get(type="charge.dispute.created").status == "failed"
    ledger_ok()


def test_events_are_listed_per_type_within_the_window_through_the_library(
    buyer_a, fake_stripe, settings
):
    settings.STRIPE_RECONCILE_DAYS = 2
    before = int(time.time()) - 2 * 86400

    reconcile()

    listings = fake_stripe.event_lists()
    assert [r.params["type"] for r in listings] == list(EVENT_TYPES)
    assert set(EVENT_TYPES) == {
        "charge.refunded",
        "charge.dispute.created",
        "checkout.session.completed",
        "payment_intent.succeeded",
    }
    for listing in listings:
        assert abs(int(listing.params["created"]["gte"]) - before) <= 5
        assert listing.params["limit"] == "100"


def test_events_older_than_the_window_or_of_other_types_are_left_alone(buyer_a, fake_stripe):
    session = paid_topup(buyer_a, fake_stripe)
    fake_stripe.emit(
        "charge.refunded",
        charge(session, amount_refunded=10_00, charge_id="ch_old"),
        created=int(time.time()) - 5 * 86400,
    )
    fake_stripe.emit("charge.updated", charge(session, amount_refunded=20_00))

    lines, _ = reconcile("--days", "3")

    assert lines[-1].endswith("1 events checked, 0 handled, 1 already received, 0 failed")
    assert not Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).exists()
    assert balances(buyer_a.organization)["available"] == 100_00


def test_every_page_of_events_is_read(buyer_a, fake_stripe):
    # 130 refunds of charges that are not ours: more than one page of 100
    for number in range(130):
        fake_stripe.emit(
            "charge.refunded",
            {
                "id": f"ch_other_{number}",
                "object": "charge",
                "amount_refunded": 100,
                "currency": "usd",
                "payment_intent": f"pi_other_{number}",
                "metadata": {},
            },
        )

    lines, _ = reconcile()

    assert lines[-1].endswith("130 events checked, 130 handled, 0 already received, 0 failed")
    assert StripeEvent.objects.filter(status=StripeEventStatus.IGNORED).count() == 130
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    "broken",
    [
        {"object": "event", "type": "charge.refunded", "data": {"object": {}}},  # no id
        {"id": "not_an_event_id", "object": "event", "type": "charge.refunded"},
        {"id": "evt_no_data", "object": "event", "type": "charge.refunded", "data": []},
        {"id": "evt_wrong_object", "object": "charge", "type": "charge.refunded"},
    ],
    ids=["no-id", "bad-id", "data-not-object", "not-an-event"],
)
def test_a_malformed_listed_event_is_reported_and_stores_nothing(buyer_a, fake_stripe, broken):
    session = paid_topup(buyer_a, fake_stripe)
    refund = fake_stripe.emit("charge.refunded", charge(session, amount_refunded=30_00))
    with fake_stripe.lock:  # Stripe answers something that is not an event
        fake_stripe.events.append({"created": int(time.time()), **broken})

    lines, errors = reconcile()

    assert lines[-1].endswith("3 events checked, 1 handled, 1 already received, 1 failed")
    assert len(errors) == 1
    assert errors[0].startswith("FAILED: Stripe event")
    assert StripeEvent.objects.count() == 2
    assert StripeEvent.objects.filter(stripe_id=refund["id"]).exists()
    assert balances(buyer_a.organization)["available"] == 70_00
    ledger_ok()


def test_a_refund_of_another_currency_is_refused_and_flagged(buyer_a, fake_stripe):
    session = paid_topup(buyer_a, fake_stripe)
    fake_stripe.emit(
        "charge.refunded", {**charge(session, amount_refunded=10_00), "currency": "eur"}
    )

    lines, errors = reconcile()

    assert lines[-1].endswith("1 handled, 1 already received, 1 failed")
    assert "does not match" in errors[0]
    assert balances(buyer_a.organization)["available"] == 100_00
    assert ModerationFlag.objects.filter(code="stripe_payment_mismatch").exists()
    assert not Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).exists()


def test_a_failing_events_listing_is_a_command_error_after_the_sessions_pass(
    buyer_a, fake_stripe, monkeypatch
):
    topup = start_topup(buyer_a, "10.00")
    fake_stripe.pay(topup.checkout_session_id)

    def unavailable(*args, **kwargs):
        raise gateway.GatewayUnavailable("Stripe could not be reached: test")
        yield  # pragma: no cover

    monkeypatch.setattr(gateway, "events_since", unavailable)

    with pytest.raises(CommandError, match="could not be reached"):
        reconcile()
    # the sessions pass ran first and committed its credit; the next run lists events again
    assert balances(buyer_a.organization)["available"] == 10_00
    ledger_ok()
