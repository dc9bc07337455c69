"""An open return keeps the supplier's share in pending past the return window:
released only when the return ends without a refund; a refund takes it back from
pending exactly, never from payable or the platform."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing.models import AccountKind
from billing.models.payouts import EarningsFreeze, EarningsHold
from billing.selectors import ledger_problems
from billing.services.holds import holds_release_due
from buyers.services import purchase_action_report, purchase_create
from quality.models import ReturnStatus
from quality.services import dispute_resolve, return_contest, return_request
from tests.billing.helpers import balances, platform_balance
from tests.buyers.helpers import make_lead
from tests.quality.helpers import entries_of

pytestmark = pytest.mark.django_db


def _assert_ledger_ok() -> None:
    assert ledger_problems()[1] == []


def _bought(buyer, supplier, billing_model: str = "cpl"):
    lead = make_lead(supplier, price_cents=1_250, cpa_price_cents=6_000)
    return purchase_create(buyer=buyer, lead_id=lead.pk, billing_model=billing_model)


def _disputed(buyer, supplier, sale):
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")
    return return_contest(supplier=supplier, return_id=ret.pk, comment="The person is right.")


def _after_window(sale):
    return sale.return_deadline + timedelta(minutes=1)


def test_an_open_return_keeps_earnings_pending_after_the_window(buyer, supplier):
    sale = _bought(buyer, supplier)
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")
    assert ret.status == ReturnStatus.REQUESTED

    assert holds_release_due(now=_after_window(sale)) == 0

    assert (balances(supplier)["pending"], balances(supplier)["payable"]) == (1_000, 0)
    hold = EarningsHold.objects.get(sale_id=str(sale.pk))
    assert (hold.released_at, hold.claimed_at) == (None, None)
    assert EarningsFreeze.objects.get(sale_id=str(sale.pk)).lifted_at is None
    _assert_ledger_ok()


def test_a_rejected_dispute_releases_the_earnings_on_the_next_run(buyer, supplier, moderator):
    sale = _bought(buyer, supplier)
    ret = _disputed(buyer, supplier, sale)
    assert holds_release_due(now=_after_window(sale)) == 0
    assert balances(supplier)["payable"] == 0

    dispute_resolve(dispute_id=ret.dispute.pk, moderator=moderator.user, decision="reject")

    assert EarningsFreeze.objects.get(sale_id=str(sale.pk)).lifted_at is not None
    assert holds_release_due(now=_after_window(sale)) == 1
    assert (balances(supplier)["pending"], balances(supplier)["payable"]) == (0, 1_000)
    assert entries_of(f"sale:{sale.pk}:hold_release") == {
        (supplier.pk, AccountKind.SUPPLIER_PENDING): -1_000,
        (supplier.pk, AccountKind.SUPPLIER_PAYABLE): 1_000,
    }
    _assert_ledger_ok()


def test_a_refund_after_the_window_takes_the_share_from_pending_exactly(buyer, supplier, moderator):
    sale = _bought(buyer, supplier)
    ret = _disputed(buyer, supplier, sale)
    assert holds_release_due(now=_after_window(sale)) == 0
    adjustments_before = platform_balance(AccountKind.PLATFORM_ADJUSTMENTS)

    dispute_resolve(dispute_id=ret.dispute.pk, moderator=moderator.user, decision="refund")

    assert entries_of(f"sale:{sale.pk}:refund") == {
        (buyer.pk, AccountKind.BUYER_AVAILABLE): 1_250,
        (supplier.pk, AccountKind.SUPPLIER_PENDING): -1_000,
        (None, AccountKind.PLATFORM_REVENUE): -250,
    }
    assert platform_balance(AccountKind.PLATFORM_ADJUSTMENTS) == adjustments_before
    # The hold is closed by the next run without moving anything.
    holds_release_due(now=_after_window(sale))
    hold = EarningsHold.objects.get(sale_id=str(sale.pk))
    assert (hold.released_at is not None, hold.outcome) == (True, "nothing to release")
    assert balances(supplier) == {"available": 0, "reserved": 0, "pending": 0, "payable": 0}
    _assert_ledger_ok()


def test_an_action_reported_while_a_return_is_open_holds_its_earnings_frozen(
    buyer, supplier, moderator
):
    sale = _bought(buyer, supplier, billing_model="cpa")
    ret = _disputed(buyer, supplier, sale)
    assert not EarningsHold.objects.filter(sale_id=str(sale.pk)).exists()

    purchase_action_report(buyer=buyer, sale_id=sale.pk)

    assert balances(supplier)["pending"] == 4_800
    assert holds_release_due(now=_after_window(sale)) == 0
    assert balances(supplier)["payable"] == 0
    _assert_ledger_ok()

    dispute_resolve(dispute_id=ret.dispute.pk, moderator=moderator.user, decision="reject")

    assert holds_release_due(now=_after_window(sale)) == 1
    assert (balances(supplier)["pending"], balances(supplier)["payable"]) == (0, 4_800)
    _assert_ledger_ok()
