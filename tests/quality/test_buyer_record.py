"""The buyer's record in the auto-accept rule: an unanswered return from a buyer whose
returns moderators often reject, or who returns far more than other buyers in the
segment, goes to a moderator; everyone else's is accepted, and objective reasons the
platform confirms stay automatic. The ledger is checked after every transition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Transaction
from marketplace.models import Lead, SaleStatus
from quality.buyer_record import buyer_record_flag, buyer_record_text
from quality.models import Dispute, Return, ReturnStatus
from quality.services import (
    dispute_resolve,
    return_accept,
    return_contest,
    return_request,
    returns_accept_unanswered,
)
from tests.billing.helpers import assert_ledger_balanced, balances, fund
from tests.quality.helpers import sale_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_thresholds(settings):
    settings.QUALITY_RETURN_CAP_PERCENT = 100  # the monthly cap never fires here
    settings.QUALITY_BUYER_REJECTED_PERCENT = 25
    settings.QUALITY_BUYER_MIN_DECIDED_RETURNS = 4
    settings.QUALITY_BUYER_RETURN_RATE_LIMIT_PERCENT = 200
    settings.QUALITY_BUYER_MIN_PURCHASES = 5


@pytest.fixture
def other_buyer(buyer_b):
    fund(buyer_b.organization, 1_000_00)
    return buyer_b.organization


def _rejected(buyer, supplier, moderator) -> Return:
    sale = sale_make(buyer, supplier)
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")
    return_contest(supplier=supplier, return_id=ret.pk, comment="The lead is good")
    dispute_resolve(dispute_id=ret.dispute.pk, moderator=moderator, decision="reject")
    return ret


def _accepted(buyer, supplier) -> Return:
    sale = sale_make(buyer, supplier)
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")
    return return_accept(supplier=supplier, return_id=ret.pk)


def _history(buyer, supplier, moderator, *, rejected: int, accepted: int) -> None:
    for _ in range(rejected):
        _rejected(buyer, supplier, moderator)
    for _ in range(accepted):
        _accepted(buyer, supplier)


def _unanswered(buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")
    assert ret.status == ReturnStatus.REQUESTED
    return sale, ret


def _time_out(ret) -> None:
    assert returns_accept_unanswered(now=ret.respond_by + timedelta(seconds=1)) == 1


def _assert_escalated(ret, sale, rule: str) -> Dispute:
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.DISPUTED
    assert ret.decided_by == ""
    event = ret.events.get(kind="escalated_buyer_record")
    assert event.data["rule"] == rule
    dispute = Dispute.objects.get(ret=ret)
    assert dispute.cause == "buyer_record"
    assert dispute.grounds == event.data
    assert not Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:refund").exists()
    sale.refresh_from_db()
    assert sale.status != SaleStatus.RETURNED
    assert_ledger_balanced()
    return dispute


def _assert_accepted(ret, sale) -> None:
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.ACCEPTED
    assert ret.decided_by == "timeout"
    assert not Dispute.objects.filter(ret=ret).exists()
    assert Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:refund").count() == 1
    sale.refresh_from_db()
    assert sale.status == SaleStatus.RETURNED
    assert_ledger_balanced()


# --- moderators rejected too many of the buyer's returns --------------------------------


def test_buyer_with_many_rejected_returns_goes_to_a_moderator(buyer, supplier, moderator):
    _history(buyer, supplier, moderator.user, rejected=2, accepted=2)  # 2 of 4: 50% > 25%
    sale, ret = _unanswered(buyer, supplier)

    _time_out(ret)

    dispute = _assert_escalated(ret, sale, "rejected_share")
    assert dispute.grounds == {
        "rule": "rejected_share",
        "count": 2,
        "total": 4,
        "percent": 50.0,
        "limit_percent": 25,
    }
    assert returns_accept_unanswered(now=ret.respond_by + timedelta(days=1)) == 0


def test_escalated_return_refunded_by_the_moderator_moves_the_money(buyer, supplier, moderator):
    _history(buyer, supplier, moderator.user, rejected=2, accepted=2)
    sale, ret = _unanswered(buyer, supplier)
    _time_out(ret)
    before = balances(buyer)["available"]

    dispute = dispute_resolve(
        dispute_id=Dispute.objects.get(ret=ret).pk, moderator=moderator.user, decision="refund"
    )

    assert dispute.decision == "refund"
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REFUNDED
    assert balances(buyer)["available"] == before + sale.price_cents
    assert Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:refund").count() == 1
    assert_ledger_balanced()


def test_escalated_return_rejected_by_the_moderator_moves_no_money(buyer, supplier, moderator):
    _history(buyer, supplier, moderator.user, rejected=2, accepted=2)
    sale, ret = _unanswered(buyer, supplier)
    _time_out(ret)
    before = balances(buyer)["available"]

    dispute_resolve(
        dispute_id=Dispute.objects.get(ret=ret).pk, moderator=moderator.user, decision="reject"
    )

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REJECTED
    assert balances(buyer)["available"] == before
    assert not Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:refund").exists()
    assert_ledger_balanced()


def test_rejected_share_at_the_limit_is_still_accepted(buyer, supplier, moderator):
    _history(buyer, supplier, moderator.user, rejected=1, accepted=3)  # 25%: not above
    sale, ret = _unanswered(buyer, supplier)

    _time_out(ret)

    _assert_accepted(ret, sale)


def test_too_few_decided_returns_do_not_count(buyer, supplier, moderator):
    _history(buyer, supplier, moderator.user, rejected=3, accepted=0)  # 100%, but only 3
    sale, ret = _unanswered(buyer, supplier)

    _time_out(ret)

    _assert_accepted(ret, sale)


def test_rejected_share_is_a_setting(buyer, supplier, moderator, settings):
    _history(buyer, supplier, moderator.user, rejected=2, accepted=2)
    settings.QUALITY_BUYER_REJECTED_PERCENT = 50  # 50% is no longer above the limit
    sale, ret = _unanswered(buyer, supplier)

    _time_out(ret)

    _assert_accepted(ret, sale)


def test_rejections_older_than_the_window_are_forgotten(buyer, supplier, moderator, settings):
    _history(buyer, supplier, moderator.user, rejected=2, accepted=2)
    sale, ret = _unanswered(buyer, supplier)
    later = ret.respond_by + timedelta(days=settings.QUALITY_RATING_WINDOW_DAYS + 1)

    assert buyer_record_flag(buyer_id=buyer.pk, segment_id=sale.segment_id, at=later) is None
    assert returns_accept_unanswered(now=later) == 1
    _assert_accepted(ret, sale)


def test_another_buyers_record_does_not_count(buyer, other_buyer, supplier, moderator):
    _history(other_buyer, supplier, moderator.user, rejected=4, accepted=0)
    sale, ret = _unanswered(buyer, supplier)

    _time_out(ret)

    _assert_accepted(ret, sale)


# --- the buyer returns far more than other buyers in the segment -------------------------


def _purchases(buyer, supplier, n: int):
    return [sale_make(buyer, supplier) for _ in range(n)]


def test_buyer_returning_far_more_than_others_goes_to_a_moderator(buyer, other_buyer, supplier):
    theirs = _purchases(other_buyer, supplier, 5)
    return_request(buyer=other_buyer, sale_id=theirs[0].pk, reason="wrong_person")  # 20%
    mine = _purchases(buyer, supplier, 5)
    return_request(buyer=buyer, sale_id=mine[0].pk, reason="wrong_person")
    ret = return_request(buyer=buyer, sale_id=mine[1].pk, reason="wrong_person")  # 2/5: 40%
    third = return_request(buyer=buyer, sale_id=mine[2].pk, reason="fake")  # 3/5: 60% > 40%

    assert returns_accept_unanswered(now=third.respond_by + timedelta(seconds=1)) == 4

    dispute = _assert_escalated(third, mine[2], "return_rate")
    assert dispute.grounds == {
        "rule": "return_rate",
        "count": 3,
        "total": 5,
        "percent": 60.0,
        "limit_percent": 40.0,
    }
    _assert_escalated(ret, mine[1], "return_rate")
    assert Return.objects.get(sale=theirs[0]).status == ReturnStatus.ACCEPTED
    assert_ledger_balanced()


def test_return_rate_at_twice_the_others_is_accepted(buyer, other_buyer, supplier):
    theirs = _purchases(other_buyer, supplier, 5)
    return_request(buyer=other_buyer, sale_id=theirs[0].pk, reason="wrong_person")  # 20%
    mine = _purchases(buyer, supplier, 5)
    return_request(buyer=buyer, sale_id=mine[0].pk, reason="wrong_person")
    ret = return_request(buyer=buyer, sale_id=mine[1].pk, reason="wrong_person")  # 40%

    returns_accept_unanswered(now=ret.respond_by + timedelta(seconds=1))

    _assert_accepted(ret, mine[1])


def test_return_rate_needs_enough_purchases_on_both_sides(buyer, other_buyer, supplier, settings):
    _purchases(other_buyer, supplier, 4)  # the others: 4 purchases, below 5
    mine = _purchases(buyer, supplier, 5)
    ret = return_request(buyer=buyer, sale_id=mine[0].pk, reason="wrong_person")
    segment = mine[0].segment_id
    at = ret.respond_by + timedelta(seconds=1)

    assert buyer_record_flag(buyer_id=buyer.pk, segment_id=segment, at=at) is None
    settings.QUALITY_BUYER_MIN_PURCHASES = 6  # and the buyer's own 5 are too few now
    _purchases(other_buyer, supplier, 2)
    assert buyer_record_flag(buyer_id=buyer.pk, segment_id=segment, at=at) is None
    settings.QUALITY_BUYER_MIN_PURCHASES = 4
    assert buyer_record_flag(buyer_id=buyer.pk, segment_id=segment, at=at).rule == "return_rate"


def test_return_rate_limit_is_a_setting(buyer, other_buyer, supplier, settings):
    theirs = _purchases(other_buyer, supplier, 5)
    return_request(buyer=other_buyer, sale_id=theirs[0].pk, reason="wrong_person")  # 20%
    mine = _purchases(buyer, supplier, 5)
    for sale in mine[:3]:
        ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")  # 60%
    at = ret.respond_by + timedelta(seconds=1)

    settings.QUALITY_BUYER_RETURN_RATE_LIMIT_PERCENT = 300  # 60% is not above 3 x 20%
    assert buyer_record_flag(buyer_id=buyer.pk, segment_id=mine[0].segment_id, at=at) is None
    settings.QUALITY_BUYER_RETURN_RATE_LIMIT_PERCENT = 250
    flag = buyer_record_flag(buyer_id=buyer.pk, segment_id=mine[0].segment_id, at=at)
    assert flag.rule == "return_rate"
    assert flag.limit_percent == 50.0


# --- objective reasons the platform confirms stay automatic -------------------------------


def _dead_phone(sale) -> None:
    Lead.objects.filter(pk=sale.lead_id).update(phone="+48 123")


def test_confirmed_objective_reason_is_accepted_at_once_for_a_flagged_buyer(
    buyer, supplier, moderator
):
    _history(buyer, supplier, moderator.user, rejected=4, accepted=0)
    assert buyer_record_flag(buyer_id=buyer.pk, segment_id=None, at=timezone.now()) is not None
    sale = sale_make(buyer, supplier)
    _dead_phone(sale)

    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="invalid_phone")

    assert ret.status == ReturnStatus.ACCEPTED
    assert ret.decided_by == "check"
    assert not Dispute.objects.filter(ret=ret).exists()
    assert Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:refund").count() == 1
    assert_ledger_balanced()


def test_confirmed_objective_returns_do_not_raise_the_return_rate(buyer, other_buyer, supplier):
    theirs = _purchases(other_buyer, supplier, 5)
    return_request(buyer=other_buyer, sale_id=theirs[0].pk, reason="wrong_person")  # 20%
    mine = _purchases(buyer, supplier, 5)
    for sale in mine[:3]:  # dead phones: confirmed and accepted at once
        _dead_phone(sale)
        assert return_request(buyer=buyer, sale_id=sale.pk, reason="invalid_phone").status == (
            ReturnStatus.ACCEPTED
        )
    ret = return_request(buyer=buyer, sale_id=mine[3].pk, reason="wrong_person")  # 1 of 5

    returns_accept_unanswered(now=ret.respond_by + timedelta(seconds=1))

    _assert_accepted(ret, mine[3])


# --- what the moderator reads -------------------------------------------------------------


def test_dispute_page_shows_why_the_buyer_record_sent_it(buyer, supplier, moderator):
    _history(buyer, supplier, moderator.user, rejected=2, accepted=2)
    _sale, ret = _unanswered(buyer, supplier)
    _time_out(ret)

    page = moderator.browser().get("/quality/moderation/disputes/").content.decode()

    assert "The buyer&#x27;s return record needs a moderator" in page
    assert (
        "Moderators rejected 2 of the buyer&#x27;s 4 decided returns (50.0%, above 25.0%)." in page
    )


def test_grounds_text_of_each_rule_and_of_nothing():
    rate = {"rule": "return_rate", "count": 3, "total": 5, "percent": 60.0, "limit_percent": 40.0}

    assert buyer_record_text(rate).startswith("The buyer returned 3 of its 5 purchases")
    assert "(60.0%, above 40.0%" in buyer_record_text(rate)
    assert buyer_record_text({}) == ""
    assert buyer_record_text({"rule": "unknown"}) == ""


def test_one_pass_counts_a_segment_once_and_reuses_it(buyer, other_buyer, supplier):
    theirs = _purchases(other_buyer, supplier, 5)
    return_request(buyer=other_buyer, sale_id=theirs[0].pk, reason="wrong_person")  # 20%
    mine = _purchases(buyer, supplier, 5)
    for sale in mine[:3]:
        ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")  # 60%
    segment, at = mine[0].segment_id, ret.respond_by + timedelta(seconds=1)
    totals: dict = {}

    assert buyer_record_flag(buyer_id=buyer.pk, segment_id=segment, at=at, segment_totals=totals)
    assert totals == {segment: (10, 4)}  # every buyer's purchases and returns there
    totals[segment] = (10, 8)  # what the pass counted first is what it uses: others 100%
    assert not buyer_record_flag(
        buyer_id=buyer.pk, segment_id=segment, at=at, segment_totals=totals
    )
