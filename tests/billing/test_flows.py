"""Each money flow: the entries it writes, the balances after, and that a retry posts nothing."""

from __future__ import annotations

import pytest
from django.test import override_settings

from billing.models import AccountKind, Entry, Transaction, TransactionKind
from billing.services import (
    adjustment_post,
    cpa_charge,
    cpa_release,
    cpa_reserve,
    cpl_charge,
    hold_release,
    payout_post,
    sale_refund,
    topup_credit,
)
from marketplace.errors import Conflict, Forbidden, InsufficientFunds, ValidationFailed
from tests.billing.helpers import assert_ledger_balanced, balances, fund, platform_balance

pytestmark = pytest.mark.django_db


def entries_of(posted: Transaction) -> dict[tuple[str | None, str], int]:
    return {
        (str(e.account.organization_id) if e.account.organization_id else None, e.account.kind): (
            e.amount_cents
        )
        for e in posted.entries.select_related("account")
    }


def test_topup_credits_available_from_stripe_clearing_once_per_key(buyer):
    # when
    first = topup_credit(organization=buyer, amount_cents=10_000, idempotency_key="stripe:evt_1")
    again = topup_credit(organization=buyer, amount_cents=10_000, idempotency_key="stripe:evt_1")
    # then
    assert again.pk == first.pk
    assert Transaction.objects.count() == 1
    assert Entry.objects.count() == 2
    assert entries_of(first) == {
        (str(buyer.pk), AccountKind.BUYER_AVAILABLE): 10_000,
        (None, AccountKind.PLATFORM_STRIPE_CLEARING): -10_000,
    }
    assert balances(buyer)["available"] == 10_000
    assert first.kind == TransactionKind.TOPUP
    assert first.entries.get(account__organization=buyer).balance_after_cents == 10_000
    assert_ledger_balanced()


def test_topup_refuses_a_supplier_only_organization(supplier):
    with pytest.raises(Forbidden):
        topup_credit(organization=supplier, amount_cents=100, idempotency_key="topup:x")
    assert Transaction.objects.count() == 0


def test_cpl_charge_splits_price_into_supplier_share_and_commission(buyer, supplier):
    fund(buyer, 10_000)
    # when
    charge = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=2_500)
    retry = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=2_500)
    # then
    assert retry.pk == charge.pk
    assert charge.idempotency_key == "sale:s1:charge"
    assert (charge.reference_type, charge.reference_id) == ("sale", "s1")
    assert entries_of(charge) == {
        (str(buyer.pk), AccountKind.BUYER_AVAILABLE): -2_500,
        (str(supplier.pk), AccountKind.SUPPLIER_PENDING): 2_000,
        (None, AccountKind.PLATFORM_REVENUE): 500,
    }
    assert balances(buyer)["available"] == 7_500
    assert balances(supplier)["pending"] == 2_000
    assert Transaction.objects.filter(kind=TransactionKind.CPL_CHARGE).count() == 1
    assert_ledger_balanced()


def test_cpl_charge_takes_a_segment_commission_override(buyer, supplier):
    fund(buyer, 10_000)
    charge = cpl_charge(
        buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_005, commission_percent=10
    )
    # 100.5 cents of commission rounds half-up to 101; the supplier gets the rest.
    assert entries_of(charge)[(None, AccountKind.PLATFORM_REVENUE)] == 101
    assert entries_of(charge)[(str(supplier.pk), AccountKind.SUPPLIER_PENDING)] == 904


@override_settings(PLATFORM_COMMISSION_PERCENT=0)
def test_zero_commission_writes_no_revenue_entry(buyer, supplier):
    fund(buyer, 1_000)
    charge = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)
    assert charge.entries.count() == 2
    assert balances(supplier)["pending"] == 1_000


def test_cpl_charge_without_funds_raises_and_writes_nothing(buyer, supplier):
    fund(buyer, 999)
    before = Transaction.objects.count()
    with pytest.raises(InsufficientFunds) as caught:
        cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)
    assert caught.value.status == 402
    assert Transaction.objects.count() == before
    assert balances(buyer)["available"] == 999
    assert balances(supplier)["pending"] == 0


@pytest.mark.parametrize("price", [0, -1, 1.5, "10", True, 10**12])
def test_cpl_charge_refuses_bad_prices(buyer, supplier, price):
    fund(buyer, 10_000)
    with pytest.raises(ValidationFailed):
        cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=price)
    assert Transaction.objects.count() == 1


@pytest.mark.parametrize("percent", [-1, 101, 12.5, "20", True])
def test_cpl_charge_refuses_bad_commission(buyer, supplier, percent):
    fund(buyer, 10_000)
    with pytest.raises(ValidationFailed):
        cpl_charge(
            buyer=buyer,
            supplier=supplier,
            sale_id="s1",
            price_cents=100,
            commission_percent=percent,
        )
    assert Transaction.objects.count() == 1


def test_cpa_reserve_then_charge_moves_the_reservation_to_the_supplier(buyer, supplier):
    fund(buyer, 5_000)
    # when
    reserve = cpa_reserve(buyer=buyer, sale_id="c1", price_cents=3_000)
    assert cpa_reserve(buyer=buyer, sale_id="c1", price_cents=3_000).pk == reserve.pk
    assert balances(buyer) == {"available": 2_000, "reserved": 3_000, "pending": 0, "payable": 0}
    charge = cpa_charge(supplier=supplier, sale_id="c1")
    assert cpa_charge(supplier=supplier, sale_id="c1").pk == charge.pk
    # then
    assert entries_of(charge) == {
        (str(buyer.pk), AccountKind.BUYER_RESERVED): -3_000,
        (str(supplier.pk), AccountKind.SUPPLIER_PENDING): 2_400,
        (None, AccountKind.PLATFORM_REVENUE): 600,
    }
    assert balances(buyer) == {"available": 2_000, "reserved": 0, "pending": 0, "payable": 0}
    assert balances(supplier)["pending"] == 2_400
    assert Transaction.objects.count() == 3
    # a charged reservation can't also be released
    with pytest.raises(Conflict):
        cpa_release(sale_id="c1")
    assert_ledger_balanced()


def test_cpa_release_gives_the_reservation_back(buyer, supplier):
    fund(buyer, 5_000)
    cpa_reserve(buyer=buyer, sale_id="c1", price_cents=3_000)
    release = cpa_release(sale_id="c1")
    assert cpa_release(sale_id="c1").pk == release.pk
    assert balances(buyer) == {"available": 5_000, "reserved": 0, "pending": 0, "payable": 0}
    with pytest.raises(Conflict):
        cpa_charge(supplier=supplier, sale_id="c1")
    assert Transaction.objects.count() == 3
    assert_ledger_balanced()


def test_cpa_reserve_without_funds_raises(buyer):
    fund(buyer, 100)
    with pytest.raises(InsufficientFunds):
        cpa_reserve(buyer=buyer, sale_id="c1", price_cents=101)
    assert balances(buyer)["reserved"] == 0


def test_cpa_charge_or_release_without_a_reservation_is_a_conflict(supplier):
    with pytest.raises(Conflict):
        cpa_charge(supplier=supplier, sale_id="nope")
    with pytest.raises(Conflict):
        cpa_release(sale_id="nope")


def test_cpl_and_cpa_cannot_both_charge_a_sale(buyer, supplier):
    fund(buyer, 10_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)
    cpa_reserve(buyer=buyer, sale_id="s1", price_cents=1_000)
    with pytest.raises(Conflict):
        cpa_charge(supplier=supplier, sale_id="s1")


def test_refund_of_a_cpl_sale_reverses_it_from_pending(buyer, supplier):
    fund(buyer, 10_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=2_500)
    # when
    refund = sale_refund(sale_id="s1", return_id="r1")
    assert sale_refund(sale_id="s1", return_id="r1").pk == refund.pk
    # then
    assert (refund.reference_type, refund.reference_id) == ("return", "r1")
    assert entries_of(refund) == {
        (str(buyer.pk), AccountKind.BUYER_AVAILABLE): 2_500,
        (str(supplier.pk), AccountKind.SUPPLIER_PENDING): -2_000,
        (None, AccountKind.PLATFORM_REVENUE): -500,
    }
    assert balances(buyer)["available"] == 10_000
    assert balances(supplier)["pending"] == 0
    assert platform_balance(AccountKind.PLATFORM_REVENUE) == 0
    # a refunded sale's hold has nothing to release
    assert hold_release(sale_id="s1") is None
    assert_ledger_balanced()


def test_refund_of_a_charged_cpa_sale_returns_the_money_to_available(buyer, supplier):
    fund(buyer, 3_000)
    cpa_reserve(buyer=buyer, sale_id="c1", price_cents=3_000)
    cpa_charge(supplier=supplier, sale_id="c1")
    sale_refund(sale_id="c1")
    assert balances(buyer) == {"available": 3_000, "reserved": 0, "pending": 0, "payable": 0}
    assert balances(supplier)["pending"] == 0
    assert_ledger_balanced()


def test_refund_of_an_unknown_or_only_reserved_sale_is_a_conflict(buyer):
    fund(buyer, 3_000)
    cpa_reserve(buyer=buyer, sale_id="c1", price_cents=3_000)
    with pytest.raises(Conflict):
        sale_refund(sale_id="c1")
    with pytest.raises(Conflict):
        sale_refund(sale_id="unknown")


def test_refund_after_release_takes_pending_then_payable_then_the_platform(
    buyer, supplier, buyer_b
):
    fund(buyer, 10_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=5_000)  # share 4000
    hold_release(sale_id="s1")
    payout_post(organization=supplier, amount_cents=3_500, idempotency_key="payout:1")
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s2", price_cents=250)  # share 200
    assert balances(supplier) == {"available": 0, "reserved": 0, "pending": 200, "payable": 500}
    # when: s1 comes back although its share was mostly paid out
    refund = sale_refund(sale_id="s1")
    # then: 200 from pending, 500 from payable, the 3300 left is the platform's loss
    assert entries_of(refund) == {
        (str(buyer.pk), AccountKind.BUYER_AVAILABLE): 5_000,
        (None, AccountKind.PLATFORM_REVENUE): -1_000,
        (str(supplier.pk), AccountKind.SUPPLIER_PENDING): -200,
        (str(supplier.pk), AccountKind.SUPPLIER_PAYABLE): -500,
        (None, AccountKind.PLATFORM_ADJUSTMENTS): -3_300,
    }
    assert "could not cover" in refund.description
    assert balances(supplier) == {"available": 0, "reserved": 0, "pending": 0, "payable": 0}
    assert balances(buyer)["available"] == 10_000 - 250
    # s2's hold has nothing left to release: its pending money paid s1's return
    assert hold_release(sale_id="s2") is None
    assert_ledger_balanced()


def test_hold_release_moves_the_sale_share_from_pending_to_payable(buyer, supplier):
    fund(buyer, 10_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s2", price_cents=2_000)
    # when
    release = hold_release(sale_id="s1")
    assert hold_release(sale_id="s1").pk == release.pk
    # then
    assert entries_of(release) == {
        (str(supplier.pk), AccountKind.SUPPLIER_PENDING): -800,
        (str(supplier.pk), AccountKind.SUPPLIER_PAYABLE): 800,
    }
    assert balances(supplier)["pending"] == 1_600
    assert balances(supplier)["payable"] == 800
    with pytest.raises(Conflict):
        hold_release(sale_id="never-sold")
    assert_ledger_balanced()


def test_payout_moves_payable_to_platform_payouts(buyer, supplier):
    fund(buyer, 10_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)
    hold_release(sale_id="s1")
    payout = payout_post(organization=supplier, amount_cents=800, idempotency_key="payout:p1")
    assert payout_post(organization=supplier, amount_cents=800, idempotency_key="payout:p1") == (
        payout
    )
    assert balances(supplier)["payable"] == 0
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == 800
    with pytest.raises(InsufficientFunds):
        payout_post(organization=supplier, amount_cents=1, idempotency_key="payout:p2")
    assert Transaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1
    assert_ledger_balanced()


def test_adjustment_credits_and_debits_but_never_below_zero(buyer, moderator):
    credit = adjustment_post(
        organization=buyer, amount_cents=1_500, reason="Goodwill", actor=moderator.user.email
    )
    assert credit.description == "Adjustment: Goodwill"
    assert credit.actor == "moderator@example.com"
    assert entries_of(credit)[(None, AccountKind.PLATFORM_ADJUSTMENTS)] == -1_500
    adjustment_post(organization=buyer, amount_cents=-500, reason="Correction")
    assert balances(buyer)["available"] == 1_000
    with pytest.raises(InsufficientFunds):
        adjustment_post(organization=buyer, amount_cents=-1_001, reason="Too much")
    assert balances(buyer)["available"] == 1_000
    assert Transaction.objects.count() == 2
    assert_ledger_balanced()


def test_adjustment_with_a_key_is_posted_once(buyer):
    first = adjustment_post(organization=buyer, amount_cents=100, reason="x", idempotency_key="k")
    again = adjustment_post(organization=buyer, amount_cents=100, reason="x", idempotency_key="k")
    assert first.pk == again.pk
    assert balances(buyer)["available"] == 100


@pytest.mark.parametrize(
    ("amount", "reason"), [(0, "x"), (1.0, "x"), (100, "  "), (100, "x" * 401), (10**12, "x")]
)
def test_adjustment_refuses_bad_input(buyer, amount, reason):
    with pytest.raises(ValidationFailed):
        adjustment_post(organization=buyer, amount_cents=amount, reason=reason)
    assert Transaction.objects.count() == 0


def test_a_key_reused_for_another_kind_of_operation_is_a_conflict(buyer):
    fund(buyer, 1_000)
    topup_credit(organization=buyer, amount_cents=100, idempotency_key="shared")
    with pytest.raises(Conflict):
        adjustment_post(organization=buyer, amount_cents=100, reason="x", idempotency_key="shared")
    assert balances(buyer)["available"] == 1_100
