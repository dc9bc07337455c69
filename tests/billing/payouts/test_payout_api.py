"""Payouts through the API: request, list, approve, reject, mark paid; the ledger after each."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing.models import AccountKind, Transaction, TransactionKind
from billing.models.payouts import Payout, PayoutEvent, PayoutStatus
from tests.billing.helpers import balances, platform_balance
from tests.billing.payouts.conftest import earn

pytestmark = pytest.mark.django_db

PAYOUTS = "/api/v1/payouts/"


def _approve(payout_id: object) -> str:
    return f"/api/v1/moderation/payouts/{payout_id}/approve/"


def _reject(payout_id: object) -> str:
    return f"/api/v1/moderation/payouts/{payout_id}/reject/"


def _mark_paid(payout_id: object) -> str:
    return f"/api/v1/moderation/payouts/{payout_id}/mark-paid/"


@pytest.fixture
def payable(supplier_a, buyer_a) -> int:
    return earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=10_000)


def test_request_moves_the_whole_payable_balance_to_platform_payouts(supplier_a, payable):
    response = supplier_a.api().post(PAYOUTS, {}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "requested"
    assert body["amount"] == "80.00"
    assert payable == 8_000
    payout = Payout.objects.get(pk=body["id"])
    assert balances(supplier_a.organization)["payable"] == 0
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == payable
    posted = Transaction.objects.get(idempotency_key=f"payout:{payout.pk}")
    assert posted.kind == TransactionKind.PAYOUT
    assert list(payout.events.values_list("from_status", "to_status")) == [("", "requested")]
    call_command("check_ledger")


def test_request_of_part_of_the_balance_leaves_the_rest(supplier_a, payable):
    response = supplier_a.api().post(PAYOUTS, {"amount": "30.50"}, format="json")

    assert response.status_code == 201
    assert balances(supplier_a.organization)["payable"] == payable - 3_050
    call_command("check_ledger")


def test_request_above_payable_is_402_and_writes_nothing(supplier_a, payable):
    response = supplier_a.api().post(PAYOUTS, {"amount": "80.01"}, format="json")

    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_funds"
    assert not Payout.objects.exists()
    assert balances(supplier_a.organization)["payable"] == payable


def test_request_with_nothing_payable_is_402(supplier_a):
    response = supplier_a.api().post(PAYOUTS, {}, format="json")

    assert response.status_code == 402
    assert not Payout.objects.exists()


@pytest.mark.parametrize(
    "amount",
    ["abc", "-5.00", "0", "0.00", "1.234", "1e3", "NaN", 12.5, True, "99999999999.00", [], {}],
)
def test_bad_amounts_are_422_and_write_nothing(supplier_a, payable, amount):
    response = supplier_a.api().post(PAYOUTS, {"amount": amount}, format="json")

    assert response.status_code == 422, (amount, response.json())
    assert response.json()["error"]["fields"]["amount"]
    assert not Payout.objects.exists()
    assert balances(supplier_a.organization)["payable"] == payable


def test_body_that_is_not_an_object_is_refused(supplier_a, payable):
    response = supplier_a.api().post(PAYOUTS, ["10.00"], format="json")

    assert response.status_code in (400, 422)
    assert not Payout.objects.exists()


def test_second_request_while_one_is_pending_is_409(supplier_a, buyer_a, payable):
    assert supplier_a.api().post(PAYOUTS, {"amount": "10.00"}, format="json").status_code == 201

    response = supplier_a.api().post(PAYOUTS, {"amount": "10.00"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert Payout.objects.count() == 1


def test_buyers_and_moderators_cannot_request_payouts(buyer_a, moderator):
    assert buyer_a.api().post(PAYOUTS, {}, format="json").status_code == 403
    assert moderator.api().post(PAYOUTS, {}, format="json").status_code == 403
    assert not Payout.objects.exists()


def test_list_shows_only_the_suppliers_own_payouts(supplier_a, supplier_b, buyer_a, payable):
    earn(buyer=buyer_a.organization, supplier=supplier_b.organization, price_cents=5_000)
    mine = supplier_a.api().post(PAYOUTS, {}, format="json").json()["id"]
    supplier_b.api().post(PAYOUTS, {}, format="json")

    listed = supplier_a.api().get(PAYOUTS).json()

    assert [p["id"] for p in listed["results"]] == [mine]


def test_reject_gives_the_money_back_and_a_second_decision_is_409(supplier_a, moderator, payable):
    payout_id = supplier_a.api().post(PAYOUTS, {}, format="json").json()["id"]

    response = moderator.api().post(_reject(payout_id), {"reason": "Check KYC"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert balances(supplier_a.organization)["payable"] == payable
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == 0
    assert Transaction.objects.filter(idempotency_key=f"payout:{payout_id}:reverse").count() == 1
    assert moderator.api().post(_reject(payout_id), {}, format="json").status_code == 409
    assert moderator.api().post(_approve(payout_id), {}, format="json").status_code == 409
    assert balances(supplier_a.organization)["payable"] == payable
    call_command("check_ledger")


def test_manual_payout_is_approved_then_marked_paid_with_a_reference(
    supplier_a, moderator, payable
):
    payout_id = supplier_a.api().post(PAYOUTS, {}, format="json").json()["id"]

    approved = moderator.api().post(_approve(payout_id), {}, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["method"] == "manual"
    assert moderator.api().post(_approve(payout_id), {}, format="json").status_code == 409
    # an empty reference is refused before anything changes
    assert moderator.api().post(_mark_paid(payout_id), {}, format="json").status_code == 422
    assert Payout.objects.get(pk=payout_id).status == PayoutStatus.APPROVED

    paid = moderator.api().post(_mark_paid(payout_id), {"reference": "BANK-42"}, format="json")

    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    assert paid.json()["reference"] == "BANK-42"
    assert (
        moderator.api().post(_mark_paid(payout_id), {"reference": "x"}, format="json").status_code
        == 409
    )
    assert balances(supplier_a.organization)["payable"] == 0
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == payable
    assert list(
        PayoutEvent.objects.filter(payout_id=payout_id).values_list("from_status", "to_status")
    ) == [("", "requested"), ("requested", "approved"), ("approved", "paid")]
    # once paid a new request is possible
    call_command("check_ledger")


def test_mark_paid_before_approval_is_409(supplier_a, moderator, payable):
    payout_id = supplier_a.api().post(PAYOUTS, {}, format="json").json()["id"]

    response = moderator.api().post(_mark_paid(payout_id), {"reference": "B-1"}, format="json")

    assert response.status_code == 409
    assert Payout.objects.get(pk=payout_id).status == PayoutStatus.REQUESTED


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_unknown_or_malformed_payout_ids_are_404(moderator, bad_id):
    for url in (_approve(bad_id), _reject(bad_id), _mark_paid(bad_id)):
        response = moderator.api().post(url, {"reference": "B-1"}, format="json")
        assert response.status_code == 404, url


def test_only_moderators_decide(supplier_a, buyer_a, payable):
    payout_id = supplier_a.api().post(PAYOUTS, {}, format="json").json()["id"]

    for actor in (supplier_a, buyer_a):
        assert actor.api().post(_approve(payout_id), {}, format="json").status_code == 403
        assert actor.api().post(_reject(payout_id), {}, format="json").status_code == 403
    assert Payout.objects.get(pk=payout_id).status == PayoutStatus.REQUESTED
