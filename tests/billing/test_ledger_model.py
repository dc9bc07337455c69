"""Random sequences of every money flow against a simple in-memory model of the balances.

After every step: every transaction balances, no organization account is below
zero, every balance (platform ones included) equals the model's, and
InsufficientFunds / Conflict came exactly when the model said so.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from billing.commission import commission_split
from billing.models import Account, AccountKind, Entry, Transaction
from billing.services import (
    adjustment_post,
    cpa_charge,
    cpa_release,
    cpa_reserve,
    cpl_charge,
    hold_release,
    payout_post,
    sale_refund,
    topup_credit,
)
from marketplace.errors import Conflict, InsufficientFunds
from marketplace.models import Organization, OrganizationKind

AVAILABLE = AccountKind.BUYER_AVAILABLE
RESERVED = AccountKind.BUYER_RESERVED
PENDING = AccountKind.SUPPLIER_PENDING
PAYABLE = AccountKind.SUPPLIER_PAYABLE
CLEARING = AccountKind.PLATFORM_STRIPE_CLEARING
REVENUE = AccountKind.PLATFORM_REVENUE
PAYOUTS = AccountKind.PLATFORM_PAYOUTS
ADJUSTMENTS = AccountKind.PLATFORM_ADJUSTMENTS
DEFAULT_PERCENT = 20

_ids = itertools.count()
amounts = st.integers(min_value=1, max_value=30_000)
percents = st.one_of(st.none(), st.integers(min_value=0, max_value=100))
pick = st.integers(min_value=0, max_value=10_000)


@dataclass
class Sale:
    id: str
    buyer: Organization
    price: int
    state: str  # reserved | released | charged | refunded
    supplier: Organization | None = None
    share: int = 0
    commission: int = 0
    hold_released: bool = False


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown: a clean ledger every time.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.buyers = [
            Organization.objects.create(name=f"Buyer {n}", kind=OrganizationKind.BUYER)
            for n in range(2)
        ]
        self.suppliers = [
            Organization.objects.create(name=f"Supplier {n}", kind=OrganizationKind.SUPPLIER)
            for n in range(2)
        ]
        self.model: dict[tuple[str, str], int] = defaultdict(int)
        self.platform: dict[str, int] = defaultdict(int)
        self.sales: list[Sale] = []
        self.posted: list[tuple[object, dict, str]] = []  # (service, kwargs, transaction id)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------

    def bal(self, org: Organization, kind: str) -> int:
        return self.model[(str(org.pk), kind)]

    def move(self, org: Organization, kind: str, cents: int) -> None:
        self.model[(str(org.pk), kind)] += cents

    def call(self, service, **kwargs) -> Transaction | None:
        posted = service(**kwargs)
        if posted is not None:
            self.posted.append((service, kwargs, str(posted.pk)))
        return posted

    def sales_in(self, *states: str) -> list[Sale]:
        return [sale for sale in self.sales if sale.state in states]

    def new_sale_id(self) -> str:
        return f"sale-{next(_ids)}"

    # --- rules -----------------------------------------------------------------

    @rule(b=st.integers(0, 1), amount=amounts)
    def topup(self, b: int, amount: int) -> None:
        buyer = self.buyers[b]
        self.call(
            topup_credit, organization=buyer, amount_cents=amount, idempotency_key=f"t{next(_ids)}"
        )
        self.move(buyer, AVAILABLE, amount)
        self.platform[CLEARING] -= amount

    @rule(b=st.integers(0, 1), amount=st.integers(-30_000, 30_000).filter(bool))
    def adjust(self, b: int, amount: int) -> None:
        buyer = self.buyers[b]
        if amount < 0 and self.bal(buyer, AVAILABLE) < -amount:
            with pytest.raises(InsufficientFunds):
                adjustment_post(organization=buyer, amount_cents=amount, reason="model")
            return
        self.call(
            adjustment_post,
            organization=buyer,
            amount_cents=amount,
            reason="model",
            idempotency_key=f"a{next(_ids)}",
        )
        self.move(buyer, AVAILABLE, amount)
        self.platform[ADJUSTMENTS] -= amount

    @rule(b=st.integers(0, 1), s=st.integers(0, 1), price=amounts, percent=percents)
    def cpl(self, b: int, s: int, price: int, percent: int | None) -> None:
        buyer, supplier = self.buyers[b], self.suppliers[s]
        sale_id = self.new_sale_id()
        kwargs = {
            "buyer": buyer,
            "supplier": supplier,
            "sale_id": sale_id,
            "price_cents": price,
            "commission_percent": percent,
        }
        if self.bal(buyer, AVAILABLE) < price:
            with pytest.raises(InsufficientFunds):
                cpl_charge(**kwargs)
            return
        self.call(cpl_charge, **kwargs)
        split = commission_split(
            price_cents=price, percent=DEFAULT_PERCENT if percent is None else percent
        )
        self.move(buyer, AVAILABLE, -price)
        self.move(supplier, PENDING, split.supplier_cents)
        self.platform[REVENUE] += split.commission_cents
        self.sales.append(
            Sale(
                sale_id,
                buyer,
                price,
                "charged",
                supplier,
                split.supplier_cents,
                split.commission_cents,
            )
        )

    @rule(b=st.integers(0, 1), price=amounts)
    def reserve(self, b: int, price: int) -> None:
        buyer = self.buyers[b]
        sale_id = self.new_sale_id()
        if self.bal(buyer, AVAILABLE) < price:
            with pytest.raises(InsufficientFunds):
                cpa_reserve(buyer=buyer, sale_id=sale_id, price_cents=price)
            return
        self.call(cpa_reserve, buyer=buyer, sale_id=sale_id, price_cents=price)
        self.move(buyer, AVAILABLE, -price)
        self.move(buyer, RESERVED, price)
        self.sales.append(Sale(sale_id, buyer, price, "reserved"))

    @precondition(lambda self: self.sales_in("reserved"))
    @rule(n=pick, s=st.integers(0, 1), percent=percents)
    def action(self, n: int, s: int, percent: int | None) -> None:
        candidates = self.sales_in("reserved")
        sale = candidates[n % len(candidates)]
        supplier = self.suppliers[s]
        self.call(cpa_charge, supplier=supplier, sale_id=sale.id, commission_percent=percent)
        split = commission_split(
            price_cents=sale.price, percent=DEFAULT_PERCENT if percent is None else percent
        )
        self.move(sale.buyer, RESERVED, -sale.price)
        self.move(supplier, PENDING, split.supplier_cents)
        self.platform[REVENUE] += split.commission_cents
        sale.state, sale.supplier = "charged", supplier
        sale.share, sale.commission = split.supplier_cents, split.commission_cents

    @precondition(lambda self: self.sales_in("reserved"))
    @rule(n=pick)
    def expire(self, n: int) -> None:
        candidates = self.sales_in("reserved")
        sale = candidates[n % len(candidates)]
        self.call(cpa_release, sale_id=sale.id)
        self.move(sale.buyer, RESERVED, -sale.price)
        self.move(sale.buyer, AVAILABLE, sale.price)
        sale.state = "released"

    @precondition(lambda self: self.sales_in("charged"))
    @rule(n=pick)
    def refund(self, n: int) -> None:
        candidates = self.sales_in("charged")
        sale = candidates[n % len(candidates)]
        self.call(sale_refund, sale_id=sale.id)
        self.move(sale.buyer, AVAILABLE, sale.price)
        self.platform[REVENUE] -= sale.commission
        owed = sale.share
        for kind in (PENDING, PAYABLE):
            taken = min(owed, self.bal(sale.supplier, kind))
            self.move(sale.supplier, kind, -taken)
            owed -= taken
        self.platform[ADJUSTMENTS] -= owed
        sale.state = "refunded"

    @precondition(lambda self: self.sales_in("charged", "refunded"))
    @rule(n=pick)
    def release_hold(self, n: int) -> None:
        candidates = self.sales_in("charged", "refunded")
        sale = candidates[n % len(candidates)]
        before = Transaction.objects.count()
        posted = self.call(hold_release, sale_id=sale.id)
        if sale.hold_released:
            assert posted is not None
            assert Transaction.objects.count() == before
            return
        amount = (
            0 if sale.state == "refunded" else min(sale.share, self.bal(sale.supplier, PENDING))
        )
        if amount == 0:
            assert posted is None
            return
        assert posted is not None
        self.move(sale.supplier, PENDING, -amount)
        self.move(sale.supplier, PAYABLE, amount)
        sale.hold_released = True

    @rule(s=st.integers(0, 1), amount=amounts)
    def payout(self, s: int, amount: int) -> None:
        supplier = self.suppliers[s]
        kwargs = {
            "organization": supplier,
            "amount_cents": amount,
            "idempotency_key": f"p{next(_ids)}",
        }
        if self.bal(supplier, PAYABLE) < amount:
            with pytest.raises(InsufficientFunds):
                payout_post(**kwargs)
            return
        self.call(payout_post, **kwargs)
        self.move(supplier, PAYABLE, -amount)
        self.platform[PAYOUTS] += amount

    @precondition(lambda self: self.sales)
    @rule(n=pick)
    def wrong_step(self, n: int) -> None:
        sale = self.sales[n % len(self.sales)]
        if sale.state == "reserved":
            with pytest.raises(Conflict):
                sale_refund(sale_id=sale.id)
        elif sale.state == "released":
            with pytest.raises(Conflict):
                cpa_charge(supplier=self.suppliers[0], sale_id=sale.id)
        else:
            # charged or refunded: a CPL sale has no reservation, a CPA one is no longer reserved
            with pytest.raises(Conflict):
                cpa_release(sale_id=sale.id)

    @precondition(lambda self: self.posted)
    @rule(n=pick)
    def retry(self, n: int) -> None:
        service, kwargs, transaction_id = self.posted[n % len(self.posted)]
        before = Transaction.objects.count()
        again = service(**kwargs)
        assert str(again.pk) == transaction_id
        assert Transaction.objects.count() == before

    # --- invariants ----------------------------------------------------------------

    @invariant()
    def every_transaction_balances(self) -> None:
        bad = Transaction.objects.annotate(
            lines=Count("entries"), total=Sum("entries__amount_cents")
        ).exclude(lines__gte=2, total=0)
        assert not bad.exists()

    @invariant()
    def balances_match_the_model(self) -> None:
        actual = {}
        for account in Account.objects.annotate(total=Sum("entries__amount_cents")):
            total = account.total or 0
            if account.organization_id is None:
                actual[account.kind] = total
                continue
            assert account.balance_cents == total >= 0
            actual[(str(account.organization_id), account.kind)] = total
        expected = {key: cents for key, cents in self.model.items() if cents}
        expected.update({kind: cents for kind, cents in self.platform.items() if cents})
        assert {key: cents for key, cents in actual.items() if cents} == expected
        assert not Entry.objects.filter(amount_cents=0).exists()


@pytest.mark.django_db
def test_ledger_follows_a_simple_model_through_random_sequences():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
