"""reconcile_stripe: a paid top-up whose webhook never came is credited once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from billing.models import StripeEvent, TopUp, TopUpStatus, Transaction
from billing.tasks import reconcile_stripe_topups
from tests.billing.helpers import balances
from tests.billing.stripe.helpers import deliver, event, ledger_ok, start_topup

pytestmark = pytest.mark.django_db


def reconcile(*args: str) -> list[str]:
    out = StringIO()
    call_command("reconcile_stripe", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()


def test_reconciliation_credits_a_missed_payment_once_and_is_idempotent(buyer_a, fake_stripe):
    # given: two paid top-ups whose webhooks were lost, one still open, one expired
    missed = start_topup(buyer_a, "100.00")
    also_missed = start_topup(buyer_a, "20.50")
    open_one = start_topup(buyer_a, "5.00")
    expired = start_topup(buyer_a, "7.00")
    fake_stripe.pay(missed.checkout_session_id)
    fake_stripe.pay(also_missed.checkout_session_id)
    fake_stripe.expire(expired.checkout_session_id)

    lines = reconcile("--days", "3")

    assert lines[-1] == (
        "4 sessions checked, 2 credited, 0 already credited, 1 unpaid, 1 expired, 0 failed"
        "; 0 events checked, 0 handled, 0 already received, 0 failed"
    )
    assert any(str(missed.pk) in line and "100.00 USD" in line for line in lines[:-1])
    assert any(str(also_missed.pk) in line for line in lines[:-1])
    assert balances(buyer_a.organization)["available"] == 120_50
    for topup, status in [
        (missed, TopUpStatus.PAID),
        (also_missed, TopUpStatus.PAID),
        (open_one, TopUpStatus.CREATED),
        (expired, TopUpStatus.EXPIRED),
    ]:
        topup.refresh_from_db()
        assert topup.status == status

    # when: it runs again, and the late webhook finally arrives
    again = reconcile()
    late = deliver(
        Client(),
        event("checkout.session.completed", fake_stripe.sessions[missed.checkout_session_id]),
    )

    # then: nothing more is credited
    assert again[-1].startswith("4 sessions checked, 0 credited, 2 already credited")
    assert late.status_code == 200
    assert StripeEvent.objects.get().status == "processed"
    assert Transaction.objects.count() == 2
    assert balances(buyer_a.organization)["available"] == 120_50
    ledger_ok()


def test_reconciliation_after_the_webhook_credits_nothing(buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "100.00")
    session = fake_stripe.pay(topup.checkout_session_id)
    deliver(Client(), event("checkout.session.completed", session))

    lines = reconcile()

    assert lines == [
        "1 sessions checked, 0 credited, 1 already credited, 0 unpaid, 0 expired, 0 failed"
        "; 0 events checked, 0 handled, 0 already received, 0 failed"
    ]
    assert balances(buyer_a.organization)["available"] == 100_00


def test_reconciliation_refuses_a_mismatched_session(buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "100.00")
    fake_stripe.pay(topup.checkout_session_id, amount_total=1_00)

    lines = reconcile()

    assert "0 credited, 0 already credited, 0 unpaid, 0 expired, 1 failed;" in lines[-1]
    assert not Transaction.objects.exists()


def test_reconciliation_lists_sessions_through_the_library(buyer_a, fake_stripe):
    start_topup(buyer_a, "10.00")
    reconcile("--days", "2")
    [listing] = [
        r for r in fake_stripe.requests if r.method == "GET" and r.path == "/v1/checkout/sessions"
    ]
    assert listing.path == "/v1/checkout/sessions"
    assert int(listing.params["created"]["gte"]) > 0
    assert listing.params["limit"] == "100"


def test_beat_task_runs_the_same_reconciliation(buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "30.00")
    fake_stripe.pay(topup.checkout_session_id)

    summary = reconcile_stripe_topups.delay().get()

    assert summary.startswith("1 sessions checked, 1 credited")
    assert balances(buyer_a.organization)["available"] == 30_00


def test_reconciliation_with_stripe_down_is_a_command_error(stripe_down):
    with pytest.raises(CommandError, match="could not be reached"):
        reconcile()
    assert not TopUp.objects.exists()


def test_beat_schedule_runs_it_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["billing-reconcile-stripe-topups"]
    assert entry == {"task": "billing.tasks.reconcile_stripe_topups", "schedule": 3600}
