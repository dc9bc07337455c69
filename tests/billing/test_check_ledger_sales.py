"""check_ledger: every paid sale has its charge (CPL) or its reserve (CPA) in the ledger,
taking the sale's price from the sale's buyer."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.services import cpa_reserve, cpl_charge
from tests.billing.helpers import fund
from tests.factories import LeadFactory, SaleFactory

pytestmark = pytest.mark.django_db


def check(*args: str) -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("check_ledger", *args, stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


@pytest.fixture
def lead(supplier):
    return LeadFactory(supplier=supplier, price_cents=12_50, cpa_price_cents=60_00)


def test_sales_charged_and_reserved_through_billing_pass(buyer, supplier, lead):
    fund(buyer, 100_00)
    cpl = SaleFactory(lead=lead, buyer=buyer)
    cpa = SaleFactory(lead=LeadFactory(supplier=supplier), buyer=buyer, billing_model="cpa")
    SaleFactory(lead=LeadFactory(supplier=supplier, price_cents=0), buyer=buyer)  # free
    cpl_charge(buyer=buyer, supplier=supplier, sale_id=cpl.pk, price_cents=cpl.price_cents)
    cpa_reserve(buyer=buyer, sale_id=cpa.pk, price_cents=cpa.price_cents)

    ok, report = check()

    assert ok, report
    assert report.strip() == "ledger OK: 3 transactions"


def test_a_sale_without_its_charge_fails_with_the_sale_named(buyer, lead):
    sale = SaleFactory(lead=lead, buyer=buyer)

    ok, report = check()

    assert not ok
    assert f"sale {sale.pk} (cpl, 1250 cents): no charge in the ledger (sale:{sale.pk}:charge)" in (
        report
    )
    assert "ledger FAILED: 1 problem(s) in 0 transactions" in report


def test_a_pay_per_action_sale_needs_its_reserve_not_a_charge(buyer, supplier, lead):
    fund(buyer, 100_00)
    sale = SaleFactory(lead=lead, buyer=buyer, billing_model="cpa")
    cpl_charge(buyer=buyer, supplier=supplier, sale_id=sale.pk, price_cents=sale.price_cents)

    ok, report = check()

    assert not ok
    assert f"no reserve in the ledger (sale:{sale.pk}:reserve)" in report


def test_a_charge_of_another_amount_fails(buyer, supplier, lead):
    fund(buyer, 100_00)
    sale = SaleFactory(lead=lead, buyer=buyer)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id=sale.pk, price_cents=sale.price_cents - 1)

    ok, report = check()

    assert not ok
    assert f"expected -1250 cents from {buyer.pk}" in report


def test_a_charge_taken_from_another_buyer_fails(buyer, buyer_b, supplier, lead):
    other = buyer_b.organization
    fund(other, 100_00)
    sale = SaleFactory(lead=lead, buyer=buyer)
    cpl_charge(buyer=other, supplier=supplier, sale_id=sale.pk, price_cents=sale.price_cents)

    ok, report = check()

    assert not ok
    assert f"sale {sale.pk} (cpl, 1250 cents): its charge" in report
    assert str(other.pk) in report


def test_the_report_stops_at_the_limit(buyer, supplier):
    for _ in range(5):
        SaleFactory(lead=LeadFactory(supplier=supplier), buyer=buyer)

    ok, report = check("--limit", "2")

    assert not ok
    assert report.count("no charge in the ledger") == 2


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_a_limit_that_would_hide_problems_is_refused(buyer, lead, limit):
    SaleFactory(lead=lead, buyer=buyer)

    ok, report = check("--limit", limit)

    assert not ok
    assert "ledger OK" not in report
    assert "limit" in report
