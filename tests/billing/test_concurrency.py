"""Many charges against one wallet at once: exactly as many succeed as it can pay for."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from billing.models import Transaction, TransactionKind
from billing.services import cpa_charge, cpa_release, cpa_reserve, cpl_charge
from marketplace.errors import Conflict, InsufficientFunds
from tests.billing.helpers import assert_ledger_balanced, balances, fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
AFFORDABLE = 20
PRICE = 1_000


def test_fifty_concurrent_charges_on_a_wallet_for_twenty_succeed_twenty_times(buyer, supplier):
    # given: a wallet that can pay for exactly 20 leads, and accounts created beforehand
    fund(buyer, AFFORDABLE * PRICE)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def charge(n: int) -> None:
        try:
            barrier.wait()
            cpl_charge(buyer=buyer, supplier=supplier, sale_id=f"race-{n}", price_cents=PRICE)
            result = "ok"
        except InsufficientFunds:
            result = "insufficient"
        except Exception as exc:  # reported in the assertion below
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # when
    threads = [threading.Thread(target=charge, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(outcomes) == ["insufficient"] * (THREADS - AFFORDABLE) + ["ok"] * AFFORDABLE
    assert balances(buyer)["available"] == 0
    assert balances(supplier)["pending"] == AFFORDABLE * PRICE * 80 // 100
    assert Transaction.objects.filter(kind=TransactionKind.CPL_CHARGE).count() == AFFORDABLE
    assert_ledger_balanced()


def test_concurrent_retries_of_one_sale_charge_it_once(buyer, supplier):
    fund(buyer, 10 * PRICE)
    barrier = threading.Barrier(10)
    ids: list[str] = []

    def charge() -> None:
        try:
            barrier.wait()
            posted = cpl_charge(buyer=buyer, supplier=supplier, sale_id="same", price_cents=PRICE)
            ids.append(str(posted.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=charge) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(ids) == 10
    assert len(set(ids)) == 1
    assert balances(buyer)["available"] == 9 * PRICE
    assert_ledger_balanced()


def test_an_action_racing_the_window_expiry_either_charges_or_releases(buyer, supplier):
    # given: ten reserved CPA sales, each reported and expired at the same moment
    fund(buyer, 10 * PRICE)
    for n in range(10):
        cpa_reserve(buyer=buyer, sale_id=f"cpa-{n}", price_cents=PRICE)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def run(step, **kwargs) -> None:
        try:
            barrier.wait()
            step(**kwargs)
            outcomes.append(step.__name__)
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=(cpa_charge,), kwargs={"supplier": supplier, "sale_id": f"cpa-{n}"}
        )
        for n in range(10)
    ] + [
        threading.Thread(target=run, args=(cpa_release,), kwargs={"sale_id": f"cpa-{n}"})
        for n in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: each sale went exactly one way
    charged, released = outcomes.count("cpa_charge"), outcomes.count("cpa_release")
    assert charged + released == 10
    assert outcomes.count("conflict") == 10
    assert balances(buyer) == {
        "available": released * PRICE,
        "reserved": 0,
        "pending": 0,
        "payable": 0,
    }
    assert balances(supplier)["pending"] == charged * PRICE * 80 // 100
    assert_ledger_balanced()
