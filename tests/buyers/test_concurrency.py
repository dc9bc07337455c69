"""Purchases under contention, on real PostgreSQL: exclusivity, shared limits,
one wallet, the same person, and actions racing each other and the expiry."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from billing.models import AccountKind, Transaction, TransactionKind
from billing.services.ledger import accounts_lock, platform_account
from buyers.services import purchase_action_report, purchase_actions_expire, purchase_create
from marketplace.errors import ApplicationError
from marketplace.models import LeadStatus, OrganizationKind, Sale, SaleStatus
from tests.buyers.helpers import assert_ledger_balanced, balances, fund, make_lead
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(calls: list[Callable[[], object]]) -> Counter:
    """Run the calls at once, each in its own thread and connection; count the outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
            result = "ok"
        except ApplicationError as exc:
            result = exc.code
        except Exception as exc:  # reported by the assertion on the outcomes
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def open_accounts(supplier) -> None:
    """The accounts a supplier's first sale opens (its pending, the platform's revenue):
    with them every sale can be made by the purchase's SQL function."""
    with transaction.atomic():
        accounts_lock([(supplier.pk, AccountKind.SUPPLIER_PENDING)])
        platform_account(AccountKind.PLATFORM_REVENUE)


# ``opened``: the accounts exist, so every sale is made by the one-statement path (the
# general path only answers the refusals); else the first sale opens them.
one_statement = pytest.mark.parametrize("opened", [False, True], ids=["first-sale", "quick"])


def buyers(count: int, cents: int) -> list:
    organizations = [OrganizationFactory(kind=OrganizationKind.BUYER) for _ in range(count)]
    for organization in organizations:
        fund(organization, cents)
    return organizations


@one_statement
def test_exclusive_lead_sells_once_to_twenty_concurrent_buyers(supplier, general_path, opened):
    if opened:
        open_accounts(supplier)
    lead = make_lead(supplier, price_cents=10_00)
    contenders = buyers(20, 50_00)

    outcomes = race(
        [
            lambda b=b: purchase_create(buyer=b, lead_id=lead.pk, billing_model="cpl")
            for b in contenders
        ]
    )

    assert outcomes == Counter({"ok": 1, "sold_out": 19})
    lead.refresh_from_db()
    assert (lead.sales_count, lead.status) == (1, LeadStatus.SOLD_OUT)
    sale = Sale.objects.get()
    assert sum(balances(b)["available"] for b in contenders) == 20 * 50_00 - 10_00
    assert balances(sale.buyer)["available"] == 40_00
    assert Transaction.objects.filter(kind=TransactionKind.CPL_CHARGE).count() == 1
    assert_ledger_balanced()
    if opened:
        assert general_path.sales == []


@one_statement
def test_shared_lead_with_three_sales_sells_three_times_to_ten_concurrent_buyers(
    supplier, general_path, opened
):
    if opened:
        open_accounts(supplier)
    lead = make_lead(supplier, price_cents=5_00, max_sales=3)
    contenders = buyers(10, 20_00)

    outcomes = race(
        [
            lambda b=b: purchase_create(buyer=b, lead_id=lead.pk, billing_model="cpl")
            for b in contenders
        ]
    )

    assert outcomes == Counter({"ok": 3, "sold_out": 7})
    lead.refresh_from_db()
    assert (lead.sales_count, lead.status) == (3, LeadStatus.SOLD_OUT)
    assert Sale.objects.values("buyer").distinct().count() == 3
    assert balances(supplier)["pending"] == 3 * 4_00
    assert_ledger_balanced()
    if opened:
        assert general_path.sales == []


@one_statement
def test_one_buyer_buying_thirty_leads_at_once_with_money_for_nine_gets_nine(
    buyer, supplier, general_path, opened
):
    if opened:
        open_accounts(supplier)
    leads = [make_lead(supplier, price_cents=10_00) for _ in range(30)]
    fund(buyer, 9 * 10_00 + 9_99)

    outcomes = race(
        [
            lambda lead=lead: purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")
            for lead in leads
        ]
    )

    assert outcomes == Counter({"ok": 9, "insufficient_funds": 21})
    assert balances(buyer)["available"] == 9_99
    assert Sale.objects.count() == 9
    sold = {sale.lead_id for sale in Sale.objects.all()}
    for lead in leads:
        lead.refresh_from_db()
        expected = (1, LeadStatus.SOLD_OUT) if lead.pk in sold else (0, LeadStatus.AVAILABLE)
        assert (lead.sales_count, lead.status) == expected
    assert_ledger_balanced()  # includes: no organization balance below zero
    if opened:
        assert general_path.sales == []


def test_same_person_in_two_leads_is_sold_to_a_buyer_once_under_contention(
    buyer, supplier, supplier_b
):
    fund(buyer, 100_00)
    same = {"phone": "+48601777001", "email": "twice@example.pl"}
    leads = [make_lead(supplier, **same), make_lead(supplier_b.organization, **same)]
    leads += [make_lead(supplier, phone="+48601777001", email="") for _ in range(4)]

    outcomes = race(
        [
            lambda lead=lead: purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")
            for lead in leads
        ]
    )

    assert outcomes == Counter({"ok": 1, "duplicate": 5})
    assert Sale.objects.count() == 1
    assert balances(buyer)["available"] == 100_00 - 12_50
    assert_ledger_balanced()


def test_same_buyer_racing_for_one_shared_lead_buys_it_once(buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, max_sales=3)

    outcomes = race(
        [lambda: purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")] * 8
    )

    assert outcomes == Counter({"ok": 1, "already_purchased": 7})
    lead.refresh_from_db()
    assert (lead.sales_count, lead.status) == (1, LeadStatus.AVAILABLE)
    assert_ledger_balanced()


def test_an_action_reported_many_times_at_once_is_charged_once(buyer, supplier):
    fund(buyer, 100_00)
    sale = purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpa")

    outcomes = race(
        [lambda: purchase_action_report(buyer=buyer, sale_id=sale.pk) for _ in range(10)]
    )

    assert outcomes == Counter({"ok": 1, "invalid_state": 9})
    assert Transaction.objects.filter(kind=TransactionKind.CPA_CHARGE).count() == 1
    assert balances(buyer) == {"available": 40_00, "reserved": 0, "pending": 0, "payable": 0}
    assert balances(supplier)["pending"] == 48_00
    assert_ledger_balanced()


def test_expiry_workers_racing_release_each_reserve_once(buyer, supplier):
    fund(buyer, 1_000_00)
    sales = [
        purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpa")
        for _ in range(10)
    ]
    later = timezone.now() + timedelta(days=46)

    race([lambda: purchase_actions_expire(now=later) for _ in range(4)])

    assert Sale.objects.filter(status=SaleStatus.ACTION_EXPIRED).count() == len(sales)
    assert Transaction.objects.filter(kind=TransactionKind.CPA_RELEASE).count() == len(sales)
    assert balances(buyer) == {"available": 1_000_00, "reserved": 0, "pending": 0, "payable": 0}
    assert_ledger_balanced()


def test_an_action_racing_the_expiry_at_the_deadline_either_charges_or_releases(buyer, supplier):
    fund(buyer, 1_000_00)
    sales = [
        purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpa")
        for _ in range(6)
    ]
    # The buyer reports just before the deadline while the task runs just after it.
    calls = [
        lambda s=s: purchase_action_report(
            buyer=buyer, sale_id=s.pk, now=s.action_deadline - timedelta(microseconds=1)
        )
        for s in sales
    ]
    calls.append(lambda: purchase_actions_expire(now=sales[-1].action_deadline))

    race(calls)

    for sale in sales:
        sale.refresh_from_db()
        keys = set(
            Transaction.objects.filter(reference_id=str(sale.pk)).values_list(
                "idempotency_key", flat=True
            )
        )
        if sale.status == SaleStatus.ACTION_REPORTED:
            assert keys == {f"sale:{sale.pk}:reserve", f"sale:{sale.pk}:charge"}
        else:
            assert sale.status == SaleStatus.ACTION_EXPIRED
            assert keys == {f"sale:{sale.pk}:reserve", f"sale:{sale.pk}:reserve_release"}
    assert balances(buyer)["reserved"] == 0
    assert_ledger_balanced()
