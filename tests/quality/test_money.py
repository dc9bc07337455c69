"""Every accepted or refunded return leaves the ledger balanced: the buyer gets
exactly what it paid, the supplier's pending earnings pay, the commission is reversed."""

from __future__ import annotations

import pytest

from billing.models import AccountKind
from marketplace.models import SaleEvent, SaleStatus
from quality.models import ReturnStatus
from quality.services import dispute_resolve, return_accept, return_contest, return_request
from tests.billing.helpers import assert_ledger_balanced, balances, platform_balance
from tests.quality.helpers import entries_of, sale_make

pytestmark = pytest.mark.django_db


def _accept(buyer, supplier, sale):
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")
    return return_accept(supplier=supplier, return_id=ret.pk)


def test_cpl_return_reverses_the_charge(buyer, supplier):
    sale = sale_make(buyer, supplier)  # 12.50, 20% commission
    buyer_before, supplier_before = balances(buyer), balances(supplier)
    revenue_before = platform_balance(AccountKind.PLATFORM_REVENUE)

    ret = _accept(buyer, supplier, sale)

    assert ret.status == ReturnStatus.ACCEPTED
    lines = entries_of(f"sale:{sale.pk}:refund")
    assert lines == {
        (buyer.pk, AccountKind.BUYER_AVAILABLE): 1250,
        (supplier.pk, AccountKind.SUPPLIER_PENDING): -1000,
        (None, AccountKind.PLATFORM_REVENUE): -250,
    }
    assert balances(buyer)["available"] == buyer_before["available"] + 1250
    assert balances(supplier)["pending"] == supplier_before["pending"] - 1000
    assert platform_balance(AccountKind.PLATFORM_REVENUE) == revenue_before - 250
    sale.refresh_from_db()
    assert sale.status == SaleStatus.RETURNED
    assert sale.returned_at is not None
    event = SaleEvent.objects.get(sale=sale, kind="returned")
    assert event.from_status == "delivered"
    assert event.data["money"] == "refunded"
    assert_ledger_balanced()


def test_cpa_return_before_the_action_releases_the_reservation(buyer, supplier):
    sale = sale_make(buyer, supplier, billing_model="cpa")  # 60.00 reserved
    before = balances(buyer)
    assert before["reserved"] == 6000

    _accept(buyer, supplier, sale)

    after = balances(buyer)
    assert after["reserved"] == 0
    assert after["available"] == before["available"] + 6000
    assert entries_of(f"sale:{sale.pk}:reserve_release") == {
        (buyer.pk, AccountKind.BUYER_RESERVED): -6000,
        (buyer.pk, AccountKind.BUYER_AVAILABLE): 6000,
    }
    assert balances(supplier)["pending"] == 0
    assert SaleEvent.objects.get(sale=sale, kind="returned").data["money"] == (
        "reservation_released"
    )
    assert_ledger_balanced()


def test_cpa_return_after_the_action_refunds_the_charge(buyer, supplier):
    sale = sale_make(buyer, supplier, billing_model="cpa", acted=True)
    before = balances(buyer)
    assert balances(supplier)["pending"] == 4800

    _accept(buyer, supplier, sale)

    assert balances(buyer)["available"] == before["available"] + 6000
    assert balances(buyer)["reserved"] == 0
    assert balances(supplier)["pending"] == 0
    lines = entries_of(f"sale:{sale.pk}:refund")
    assert lines[(None, AccountKind.PLATFORM_REVENUE)] == -1200
    assert lines[(buyer.pk, AccountKind.BUYER_AVAILABLE)] == 6000
    assert_ledger_balanced()


def test_dispute_refund_reverses_and_reject_moves_nothing(buyer, supplier, moderator):
    refunded = sale_make(buyer, supplier)
    rejected = sale_make(buyer, supplier)
    for sale, decision in ((refunded, "refund"), (rejected, "reject")):
        ret = return_request(buyer=buyer, sale_id=sale.pk, reason="fake")
        return_contest(supplier=supplier, return_id=ret.pk, comment="It is real")
        dispute_resolve(
            dispute_id=ret.dispute.pk, moderator=moderator.user, decision=decision, note="ok"
        )
    before = balances(buyer)["available"]

    refunded.refresh_from_db()
    rejected.refresh_from_db()
    assert refunded.status == SaleStatus.RETURNED
    assert rejected.status == SaleStatus.DELIVERED
    assert entries_of(f"sale:{refunded.pk}:refund")[(buyer.pk, AccountKind.BUYER_AVAILABLE)] == 1250
    from billing.models import Transaction

    assert not Transaction.objects.filter(idempotency_key=f"sale:{rejected.pk}:refund").exists()
    assert balances(buyer)["available"] == before
    assert balances(supplier)["pending"] == 1000  # only the rejected return's sale is earned
    assert_ledger_balanced()
