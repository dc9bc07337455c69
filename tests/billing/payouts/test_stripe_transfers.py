"""Approval with a connected account makes a real HTTP call, through the official library,
to a local stand-in for Stripe's /v1/transfers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from billing.models import AccountKind, Transaction
from billing.models.payouts import Payout, PayoutMethod, PayoutStatus
from billing.services.payouts import payout_approve, payout_request, payout_transfer_retry
from billing.transfers import transfer_idempotency_key
from tests.billing.helpers import balances, platform_balance
from tests.billing.payouts.conftest import earn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def connected_supplier(supplier_a, buyer_a):
    organization = supplier_a.organization
    organization.stripe_account_id = "acct_1TestConnected"
    organization.save(update_fields=["stripe_account_id"])
    earn(buyer=buyer_a.organization, supplier=organization, price_cents=10_000)
    return supplier_a


def test_approval_transfers_through_stripe_with_the_payouts_idempotency_key(
    connected_supplier, moderator, fake_stripe
):
    payout_id = connected_supplier.api().post("/api/v1/payouts/", {}, format="json").json()["id"]

    response = moderator.api().post(
        f"/api/v1/moderation/payouts/{payout_id}/approve/", {}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "paid"
    assert response.json()["method"] == "stripe_transfer"
    [call] = fake_stripe.requests
    assert call["path"] == "/v1/transfers"
    assert call["headers"]["Idempotency-Key"] == transfer_idempotency_key(payout_id)
    assert call["headers"]["Authorization"] == "Bearer sk_test_payouts"
    assert call["form"]["amount"] == "8000"
    assert call["form"]["currency"] == "usd"
    assert call["form"]["destination"] == "acct_1TestConnected"
    payout = Payout.objects.get(pk=payout_id)
    assert payout.stripe_transfer_id == "tr_test_1"
    assert payout.paid_at is not None
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == 8_000
    assert balances(connected_supplier.organization)["payable"] == 0
    assert list(payout.events.values_list("to_status", flat=True)) == [
        "requested",
        "approved",
        "paid",
    ]
    call_command("check_ledger")


def test_refused_transfer_fails_the_payout_and_returns_the_money(
    connected_supplier, moderator, fake_stripe
):
    fake_stripe.fail_with = (400, "No such destination: 'acct_1TestConnected'")
    payout = payout_request(organization=connected_supplier.organization)

    decided = payout_approve(payout_id=payout.pk, moderator=moderator.user)

    assert decided.status == PayoutStatus.FAILED
    assert "No such destination" in decided.failure_reason
    assert balances(connected_supplier.organization)["payable"] == 8_000
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == 0
    assert Transaction.objects.filter(idempotency_key=f"payout:{payout.pk}:reverse").count() == 1
    assert len(fake_stripe.requests) == 1
    # the money can be asked for again
    assert payout_request(organization=connected_supplier.organization).amount_cents == 8_000
    call_command("check_ledger")


def test_unclear_answer_keeps_the_payout_approved_and_a_retry_uses_the_same_key(
    connected_supplier, moderator, fake_stripe
):
    fake_stripe.fail_with = (500, "Stripe is having a bad day")
    payout = payout_request(organization=connected_supplier.organization)

    decided = payout_approve(payout_id=payout.pk, moderator=moderator.user)

    # the transfer may have happened: no money is given back
    assert decided.status == PayoutStatus.APPROVED
    assert decided.method == PayoutMethod.STRIPE_TRANSFER
    assert balances(connected_supplier.organization)["payable"] == 0

    fake_stripe.fail_with = None
    assert payout_transfer_retry(older_than=timedelta(0)) == 1

    decided.refresh_from_db()
    assert decided.status == PayoutStatus.PAID
    keys = {call["headers"]["Idempotency-Key"] for call in fake_stripe.requests}
    assert keys == {transfer_idempotency_key(payout.pk)}
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == 8_000
    call_command("check_ledger")


def test_stripe_is_never_called_inside_a_transaction(connected_supplier, moderator, fake_stripe):
    from django.db import transaction

    from billing.services.payouts import payout_transfer

    payout = payout_request(organization=connected_supplier.organization)
    with pytest.raises(RuntimeError), transaction.atomic():
        payout_transfer(payout_id=payout.pk)
    assert fake_stripe.requests == []
