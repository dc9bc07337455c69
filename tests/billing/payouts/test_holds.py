"""The earnings-hold schedule: due holds move pending → payable once, also with
several workers at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from billing.models import Transaction, TransactionKind
from billing.models.payouts import EarningsHold
from billing.services import cpl_charge, sale_refund
from billing.services.holds import earnings_hold_schedule, holds_release_due
from billing.tasks import release_due_holds
from marketplace.errors import Conflict, ValidationFailed
from tests.billing.helpers import assert_ledger_balanced, balances, fund


def _sell(buyer, supplier, sale_id: str, *, release_in: timedelta, price: int = 1_000):
    fund(buyer, price)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id=sale_id, price_cents=price)
    return earnings_hold_schedule(
        sale_id=sale_id, supplier=supplier, release_at=timezone.now() + release_in
    )


@pytest.mark.django_db
def test_due_holds_are_released_and_future_ones_wait(buyer, supplier):
    due = _sell(buyer, supplier, "hold-due", release_in=timedelta(minutes=-1))
    later = _sell(buyer, supplier, "hold-later", release_in=timedelta(days=7))
    assert due.amount_cents == 800
    assert balances(supplier)["pending"] == 1_600

    assert release_due_holds.delay().get() == 1

    assert (balances(supplier)["pending"], balances(supplier)["payable"]) == (800, 800)
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.released_at is not None
    assert due.outcome.startswith("released")
    assert later.released_at is None
    call_command("check_ledger")


@pytest.mark.django_db
def test_release_is_idempotent(buyer, supplier):
    _sell(buyer, supplier, "hold-once", release_in=timedelta(seconds=-1))

    assert holds_release_due() == 1
    assert holds_release_due() == 0
    # even a hold claimed again after a crash posts nothing twice
    EarningsHold.objects.update(released_at=None, claimed_at=None)
    holds_release_due()

    assert Transaction.objects.filter(kind=TransactionKind.HOLD_RELEASE).count() == 1
    assert balances(supplier)["payable"] == 800
    call_command("check_ledger")


@pytest.mark.django_db
def test_scheduling_twice_keeps_one_hold(buyer, supplier):
    first = _sell(buyer, supplier, "hold-twice", release_in=timedelta(days=1))
    again = earnings_hold_schedule(
        sale_id="hold-twice", supplier=supplier, release_at=timezone.now()
    )
    assert again.pk == first.pk
    assert EarningsHold.objects.count() == 1


@pytest.mark.django_db
def test_schedule_refuses_unknown_sales_other_suppliers_and_naive_times(
    buyer, supplier, supplier_b
):
    with pytest.raises(Conflict):
        earnings_hold_schedule(sale_id="never-sold", supplier=supplier, release_at=timezone.now())
    fund(buyer, 1_000)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="hold-owner", price_cents=1_000)
    with pytest.raises(Conflict):
        earnings_hold_schedule(
            sale_id="hold-owner", supplier=supplier_b.organization, release_at=timezone.now()
        )
    with pytest.raises(ValidationFailed):
        earnings_hold_schedule(
            sale_id="hold-owner", supplier=supplier, release_at=timezone.now().replace(tzinfo=None)
        )
    assert not EarningsHold.objects.exists()


@pytest.mark.django_db
def test_a_refunded_sale_releases_nothing(buyer, supplier):
    _sell(buyer, supplier, "hold-refunded", release_in=timedelta(seconds=-1))
    sale_refund(sale_id="hold-refunded")

    holds_release_due()

    hold = EarningsHold.objects.get()
    assert hold.released_at is not None
    assert hold.outcome == "nothing to release"
    assert balances(supplier)["payable"] == 0
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_release_each_hold_once(buyer, supplier):
    for n in range(30):
        _sell(buyer, supplier, f"hold-race-{n}", release_in=timedelta(seconds=-1))
    workers = 6
    barrier = threading.Barrier(workers)
    counts: list[int] = []
    errors: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            counts.append(holds_release_due())
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(counts) == 30
    assert Transaction.objects.filter(kind=TransactionKind.HOLD_RELEASE).count() == 30
    assert balances(supplier)["payable"] == 30 * 800
    assert balances(supplier)["pending"] == 0
    assert_ledger_balanced()
