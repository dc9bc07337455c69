"""Frozen earnings: the release skips a frozen sale's hold, also one scheduled after the
freeze and one a worker is claiming while the freeze commits; lifting the freeze makes
the hold due again at max(release_at, now)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from billing.models.payouts import EarningsFreeze, EarningsHold
from billing.services import cpl_charge, earnings_hold_freeze, earnings_hold_unfreeze
from billing.services.holds import earnings_hold_schedule, holds_release_due
from marketplace.errors import ValidationFailed
from tests.billing.helpers import assert_ledger_balanced, balances, fund


def _sell(buyer, supplier, sale_id: str, *, release_in: timedelta) -> EarningsHold:
    fund(buyer, 1_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id=sale_id, price_cents=1_000)
    return earnings_hold_schedule(
        sale_id=sale_id, supplier=supplier, release_at=timezone.now() + release_in
    )


@pytest.mark.django_db
def test_a_freeze_before_the_hold_exists_keeps_the_later_hold(buyer, supplier):
    earnings_hold_freeze(sale_id="cpa-1", reason="Return r1 is open.")
    _sell(buyer, supplier, "cpa-1", release_in=timedelta(seconds=-1))

    assert holds_release_due() == 0
    assert balances(supplier)["payable"] == 0

    assert earnings_hold_unfreeze(sale_id="cpa-1") is True
    assert holds_release_due() == 1
    assert balances(supplier)["payable"] == 800
    assert_ledger_balanced()


@pytest.mark.django_db
def test_freezing_twice_keeps_one_row_and_lifting_twice_lifts_once(buyer, supplier):
    _sell(buyer, supplier, "twice", release_in=timedelta(days=1))
    first = earnings_hold_freeze(sale_id="twice", reason="first")
    again = earnings_hold_freeze(sale_id="twice", reason="second")
    assert (again.pk, again.reason) == (first.pk, "first")

    assert earnings_hold_unfreeze(sale_id="twice") is True
    assert earnings_hold_unfreeze(sale_id="twice") is False
    assert earnings_hold_unfreeze(sale_id="never-frozen") is False

    refrozen = earnings_hold_freeze(sale_id="twice", reason="another return")
    assert (refrozen.pk, refrozen.reason, refrozen.lifted_at) == (first.pk, "another return", None)
    assert EarningsFreeze.objects.count() == 1


@pytest.mark.django_db
def test_lifting_keeps_a_future_release_time_and_moves_a_past_one_to_now(buyer, supplier):
    future = _sell(buyer, supplier, "future", release_in=timedelta(days=2))
    past = _sell(buyer, supplier, "past", release_in=timedelta(days=-2))
    for hold in (future, past):
        earnings_hold_freeze(sale_id=hold.sale_id, reason="open return")
    now = timezone.now()

    for hold in (future, past):
        earnings_hold_unfreeze(sale_id=hold.sale_id, now=now)

    future_at, past_at = (
        EarningsHold.objects.get(pk=hold.pk).release_at for hold in (future, past)
    )
    assert future_at == future.release_at
    assert past_at == now
    assert holds_release_due() == 1  # the past one; the future one still waits


@pytest.mark.django_db
def test_a_freeze_needs_a_sale_and_a_reason():
    with pytest.raises(ValidationFailed):
        earnings_hold_freeze(sale_id="", reason="open")
    with pytest.raises(ValidationFailed):
        earnings_hold_freeze(sale_id="s", reason="  ")
    with pytest.raises(ValidationFailed):
        earnings_hold_freeze(sale_id="s", reason="x" * 201)
    assert not EarningsFreeze.objects.exists()


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_freeze_committed_while_a_worker_claims_the_hold_wins(buyer, supplier):
    hold = _sell(buyer, supplier, "racing", release_in=timedelta(seconds=-1))
    released: list[int] = []
    errors: list[str] = []
    worker_pid: list[int] = []

    def worker() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                worker_pid.append(cursor.fetchone()[0])
            released.append(holds_release_due())
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    with transaction.atomic():
        earnings_hold_freeze(sale_id="racing", reason="Return opened at the deadline.")
        thread = threading.Thread(target=worker)
        thread.start()
        for _ in range(600):  # the worker's claim waits on the freeze's lock of the hold
            if worker_pid and _waiting_on_a_lock(worker_pid[0]):
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the worker never waited on the hold's lock")
    thread.join(timeout=60)

    assert errors == []
    assert released == [0]
    hold.refresh_from_db()
    assert (hold.released_at, hold.claimed_at) == (None, None)
    assert (balances(supplier)["pending"], balances(supplier)["payable"]) == (800, 0)
    assert_ledger_balanced()
