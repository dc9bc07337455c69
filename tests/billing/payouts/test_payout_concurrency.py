"""Many payout requests at once can't take more than the payable balance."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from billing.models import AccountKind
from billing.services.payouts import payout_request
from marketplace.errors import Conflict, InsufficientFunds
from tests.billing.helpers import assert_ledger_balanced, balances, platform_balance
from tests.billing.payouts.conftest import earn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def test_concurrent_requests_never_exceed_payable(supplier, buyer):
    payable = earn(buyer=buyer, supplier=supplier, price_cents=10_000)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def request() -> None:
        try:
            barrier.wait()
            payout_request(organization=supplier, amount_cents=3_000)
            result = "ok"
        except Conflict:
            result = "conflict"
        except InsufficientFunds:
            result = "insufficient"
        except Exception as exc:  # reported below
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=request) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "conflict"}, outcomes
    assert balances(supplier)["payable"] == payable - 3_000
    assert platform_balance(AccountKind.PLATFORM_PAYOUTS) == 3_000
    assert_ledger_balanced()
