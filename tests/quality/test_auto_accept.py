"""Unanswered returns: accepted by the beat task once, or sent to a moderator over the cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Transaction
from marketplace.models import SaleStatus
from quality.models import Dispute, Return, ReturnStatus
from quality.selectors import buyer_over_return_cap
from quality.services import return_request, returns_accept_unanswered
from quality.tasks import accept_unanswered_returns
from tests.billing.helpers import assert_ledger_balanced
from tests.quality.helpers import sale_make

pytestmark = pytest.mark.django_db


def _sales(buyer, supplier, n):
    return [sale_make(buyer, supplier) for _ in range(n)]


def test_unanswered_return_is_accepted_once(buyer, supplier):
    sales = _sales(buyer, supplier, 5)  # one return in five: 20%, not above the cap
    ret = return_request(buyer=buyer, sale_id=sales[0].pk, reason="wrong_person")
    later = ret.respond_by + timedelta(seconds=1)

    assert returns_accept_unanswered(now=ret.respond_by - timedelta(seconds=1)) == 0
    assert returns_accept_unanswered(now=later) == 1
    assert returns_accept_unanswered(now=later) == 0  # run again: nothing more

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.ACCEPTED
    assert ret.decided_by == "timeout"
    assert ret.events.filter(kind="accepted_unanswered").count() == 1
    assert Transaction.objects.filter(idempotency_key=f"sale:{sales[0].pk}:refund").count() == 1
    sales[0].refresh_from_db()
    assert sales[0].status == SaleStatus.RETURNED
    assert_ledger_balanced()


def test_the_beat_task_accepts_due_returns(buyer, supplier):
    sales = _sales(buyer, supplier, 5)
    ret = return_request(buyer=buyer, sale_id=sales[0].pk, reason="wrong_person")
    Return.objects.filter(pk=ret.pk).update(respond_by=timezone.now() - timedelta(minutes=1))

    assert accept_unanswered_returns.delay().get() == 1
    assert accept_unanswered_returns.delay().get() == 0
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.ACCEPTED


def test_a_buyer_over_its_cap_goes_to_a_moderator(buyer, supplier):
    sales = _sales(buyer, supplier, 4)
    first = return_request(buyer=buyer, sale_id=sales[0].pk, reason="wrong_person")
    second = return_request(buyer=buyer, sale_id=sales[1].pk, reason="wrong_person")
    assert buyer_over_return_cap(buyer_id=buyer.pk, supplier_id=supplier.pk, at=second.created_at)
    later = second.respond_by + timedelta(seconds=1)

    assert returns_accept_unanswered(now=later) == 2

    for ret in (first, second):
        ret.refresh_from_db()
        assert ret.status == ReturnStatus.DISPUTED
        assert ret.dispute.cause == "return_cap"
    assert not Transaction.objects.filter(idempotency_key__endswith=":refund").exists()
    assert returns_accept_unanswered(now=later) == 0
    assert Dispute.objects.count() == 2


def test_cap_counts_only_this_supplier_and_this_month(buyer, supplier, supplier_b):
    mine = _sales(buyer, supplier, 5)
    _sales(buyer, supplier_b.organization, 1)
    ret = return_request(buyer=buyer, sale_id=mine[0].pk, reason="wrong_person")

    assert not buyer_over_return_cap(buyer_id=buyer.pk, supplier_id=supplier.pk, at=ret.created_at)
    next_month = ret.created_at + timedelta(days=32)
    assert not buyer_over_return_cap(buyer_id=buyer.pk, supplier_id=supplier.pk, at=next_month)


def test_cap_share_is_a_setting(buyer, supplier, settings):
    sales = _sales(buyer, supplier, 5)
    ret = return_request(buyer=buyer, sale_id=sales[0].pk, reason="wrong_person")
    settings.QUALITY_RETURN_CAP_PERCENT = 10

    assert buyer_over_return_cap(buyer_id=buyer.pk, supplier_id=supplier.pk, at=ret.created_at)
