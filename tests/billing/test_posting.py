"""The two-statement posting of a sale's charge or reserve (``billing.services.posting``):
what it writes, when it steps aside for the general path, and that it never leaves
half a posting behind."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Account, AccountKind, Entry, Transaction, TransactionKind
from billing.models.payouts import EarningsHold
from billing.services import cpa_charge, cpa_reserve, cpl_charge
from billing.services import ledger as ledger_module
from billing.services.holds import earnings_hold_schedule
from marketplace.errors import Conflict, InsufficientFunds
from tests.billing.helpers import assert_ledger_balanced, balances, fund, platform_balance

pytestmark = [pytest.mark.postgres]

PRICE = 1_000


def warm(buyer, supplier) -> None:
    """One charge through the general path: it creates and caches every account a
    CPL charge uses (the buyer's wallet, the supplier's pending, platform revenue)."""
    fund(buyer, PRICE)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id="warm", price_cents=PRICE)


def sql_of(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_a_charge_on_known_accounts_is_two_statements_without_a_savepoint(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, 5 * PRICE)

    with CaptureQueriesContext(connection) as queries:
        charge = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=2_500)

    assert len(queries) == 2
    assert not any("SAVEPOINT" in sql for sql in sql_of(queries))
    # what it wrote is what the general path writes
    stored = Transaction.objects.get(idempotency_key="sale:s1:charge")
    assert stored.pk == charge.pk
    assert stored.kind == TransactionKind.CPL_CHARGE
    assert (stored.reference_type, stored.reference_id) == ("sale", "s1")
    entries = {e.account.kind: e for e in Entry.objects.filter(transaction=stored)}
    assert {kind: e.amount_cents for kind, e in entries.items()} == {
        AccountKind.BUYER_AVAILABLE: -2_500,
        AccountKind.SUPPLIER_PENDING: 2_000,
        AccountKind.PLATFORM_REVENUE: 500,
    }
    assert entries[AccountKind.BUYER_AVAILABLE].balance_after_cents == 2_500
    assert entries[AccountKind.SUPPLIER_PENDING].balance_after_cents == 800 + 2_000
    assert entries[AccountKind.PLATFORM_REVENUE].balance_after_cents is None
    assert balances(buyer)["available"] == 2_500
    assert balances(supplier)["pending"] == 800 + 2_000
    assert platform_balance(AccountKind.PLATFORM_REVENUE) == 200 + 500
    assert_ledger_balanced()


@pytest.mark.django_db
def test_the_returned_charge_carries_its_entries_so_the_hold_reads_nothing(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, PRICE)
    charge = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=PRICE)
    release_at = timezone.now()

    with CaptureQueriesContext(connection) as queries:
        hold = earnings_hold_schedule(
            sale_id="s1", supplier=supplier, release_at=release_at, charge=charge
        )

    assert len(queries) == 1  # the INSERT … ON CONFLICT DO NOTHING
    assert EarningsHold.objects.get(sale_id="s1").amount_cents == 800 == hold.amount_cents
    # scheduled again (with the charge of another sale: it is looked up instead)
    again = earnings_hold_schedule(
        sale_id="s1", supplier=supplier, release_at=release_at, charge=Transaction()
    )
    assert again.pk == hold.pk
    assert EarningsHold.objects.filter(sale_id="s1").count() == 1


@pytest.mark.django_db
def test_without_funds_the_quick_path_writes_nothing_and_says_how_much(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, 999)
    before = (Transaction.objects.count(), Entry.objects.count(), balances(supplier))

    with pytest.raises(InsufficientFunds) as refused:
        cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=PRICE)

    assert refused.value.extra == {"available": "9.99", "needed": "10.00"}
    assert (Transaction.objects.count(), Entry.objects.count(), balances(supplier)) == before
    assert balances(buyer)["available"] == 999
    assert_ledger_balanced()


@pytest.mark.django_db
def test_a_retry_moves_nothing_and_returns_the_first_posting(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, 2 * PRICE)
    first = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=PRICE)
    before = (Transaction.objects.count(), Entry.objects.count(), balances(buyer))

    again = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=PRICE)

    assert again.pk == first.pk
    assert (Transaction.objects.count(), Entry.objects.count(), balances(buyer)) == before
    assert balances(supplier)["pending"] == 2 * 800
    assert_ledger_balanced()


@pytest.mark.django_db
def test_a_retry_with_an_empty_wallet_still_gets_the_first_posting(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, PRICE)
    first = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=PRICE)

    again = cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=PRICE)

    assert again.pk == first.pk
    assert balances(buyer)["available"] == 0
    assert_ledger_balanced()


@pytest.mark.django_db
def test_a_key_taken_by_another_kind_is_a_conflict_that_moves_nothing(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, 3 * PRICE)
    cpa_reserve(buyer=buyer, sale_id="cpa", price_cents=PRICE)
    cpa_reserve(buyer=buyer, sale_id="cpa-2", price_cents=PRICE)  # the quick path now
    cpa_charge(supplier=supplier, sale_id="cpa")  # sale:cpa:charge, a CPA charge
    before = (Transaction.objects.count(), balances(buyer), balances(supplier))

    with pytest.raises(Conflict):
        cpl_charge(buyer=buyer, supplier=supplier, sale_id="cpa", price_cents=PRICE)

    assert (Transaction.objects.count(), balances(buyer), balances(supplier)) == before
    assert_ledger_balanced()


@pytest.mark.django_db
def test_a_stale_cached_account_id_falls_back_and_is_corrected(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, PRICE)
    wallet = Account.objects.get(organization=buyer, kind=AccountKind.BUYER_AVAILABLE)
    pending = Account.objects.get(organization=supplier, kind=AccountKind.SUPPLIER_PENDING)
    key = (connection.settings_dict["NAME"], buyer.pk, AccountKind.BUYER_AVAILABLE)
    ledger_module._account_ids[key] = pending.pk  # an id that names another account

    cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=PRICE)

    assert ledger_module._account_ids[key] == wallet.pk
    assert balances(buyer)["available"] == 0
    assert balances(supplier)["pending"] == 2 * 800
    assert_ledger_balanced()


@pytest.mark.django_db
def test_a_reserve_on_known_accounts_is_two_statements(buyer):
    fund(buyer, 3 * PRICE)
    cpa_reserve(buyer=buyer, sale_id="r0", price_cents=PRICE)  # creates the reserved account

    with CaptureQueriesContext(connection) as queries:
        cpa_reserve(buyer=buyer, sale_id="r1", price_cents=PRICE)

    assert len(queries) == 2
    assert balances(buyer) == {
        "available": PRICE,
        "reserved": 2 * PRICE,
        "pending": 0,
        "payable": 0,
    }
    assert_ledger_balanced()


def _race(threads: int, work) -> list[str]:
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait()
            result = work(n)
        except InsufficientFunds:
            result = "insufficient"
        except Exception as exc:  # reported in the caller's assertion
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    started = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_quick_charges_on_a_wallet_for_ten_succeed_ten_times(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, 10 * PRICE)

    def charge(n: int) -> str:
        cpl_charge(buyer=buyer, supplier=supplier, sale_id=f"race-{n}", price_cents=PRICE)
        return "ok"

    outcomes = _race(30, charge)

    assert sorted(outcomes) == ["insufficient"] * 20 + ["ok"] * 10
    assert balances(buyer)["available"] == 0
    assert balances(supplier)["pending"] == 11 * 800
    assert Transaction.objects.filter(kind=TransactionKind.CPL_CHARGE).count() == 11
    assert_ledger_balanced()


@pytest.mark.django_db(transaction=True)
def test_concurrent_quick_retries_of_one_charge_post_it_once(buyer, supplier):
    warm(buyer, supplier)
    fund(buyer, 3 * PRICE)

    def charge(n: int) -> str:
        return str(cpl_charge(buyer=buyer, supplier=supplier, sale_id="same", price_cents=PRICE).pk)

    outcomes = _race(10, charge)

    posted = Transaction.objects.get(idempotency_key="sale:same:charge")
    assert outcomes == [str(posted.pk)] * 10
    assert balances(buyer)["available"] == 2 * PRICE
    assert Entry.objects.filter(transaction__idempotency_key="sale:same:charge").count() == 3
    assert_ledger_balanced()
