"""A buyer, in a real browser: buys a lead pay-per-action and reports the action from the
purchases page (the reserve becomes the supplier's earnings); downloads the purchases CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from billing.selectors import ledger_problems, wallet_balances
from billing.services.wallets import adjustment_post
from marketplace.models import BillingModel, Sale, SaleStatus
from tests.browser.helpers import offer, sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_buyer_buys_pay_per_action_and_reports_the_action_from_purchases(
    page, supplier_a, buyer_a, shot
):
    # given: a loans lead on sale per lead (12.50) or per action (60.00), and 100.00 to spend
    lead = offer(supplier_a, external_id="cpa-1")
    adjustment_post(organization=buyer_a.organization, amount_cents=100_00, reason="test funds")

    # when: the buyer picks "pay per action" in the marketplace
    sign_in_as(page, buyer_a.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Marketplace").click()
    row = page.locator("table tbody tr")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Pay per action 60.00").click()
    expect(row.get_by_role("link", name=re.compile("Open the purchase"))).to_be_visible()

    # then: nothing is charged yet, the price is reserved
    sale = Sale.objects.get(buyer=buyer_a.organization, lead=lead)
    assert (sale.billing_model, sale.status) == (BillingModel.CPA, SaleStatus.PENDING_ACTION)
    buyer = wallet_balances(organization=buyer_a.organization)
    assert (buyer.available_cents, buyer.reserved_cents) == (40_00, 60_00)
    assert wallet_balances(organization=supplier_a.organization).pending_cents == 0

    # the purchases page shows it waiting, with its action deadline
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Purchases").click()
    purchase = page.locator("table tbody tr", has_text="Anna Kowalska")
    expect(purchase).to_contain_text("Waiting for the action")
    expect(purchase).to_contain_text("Pay per action")
    # every column, the buttons included, fits a desktop screen without sideways scrolling
    table = page.locator(".table-wrap")
    assert table.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth")
    shot(page, "purchases")

    # when: the loan is issued and the buyer reports it with its own reference
    purchase.get_by_label("Your reference").fill("LOAN-2026-0042")
    purchase.get_by_role("button", name="Report action").click()

    # then: the page confirms, the row is charged and offers no second report
    expect(page.locator(".messages")).to_contain_text("Action reported.")
    purchase = page.locator("table tbody tr", has_text="Anna Kowalska")
    expect(purchase).to_contain_text("Action reported")
    expect(purchase.get_by_role("button", name="Report action")).to_have_count(0)
    sale.refresh_from_db()
    assert sale.status == SaleStatus.ACTION_REPORTED
    assert sale.action_external_ref == "LOAN-2026-0042"
    buyer = wallet_balances(organization=buyer_a.organization)
    assert (buyer.available_cents, buyer.reserved_cents) == (40_00, 0)
    commission = 60_00 * sale.commission_percent // 100
    assert wallet_balances(organization=supplier_a.organization).pending_cents == (
        60_00 - commission
    )
    assert ledger_problems(limit=10)[1] == []


def test_buyer_downloads_the_purchases_csv_with_a_bom_for_spreadsheets(
    page, supplier_a, buyer_a, tmp_path
):
    # given: two purchases, one per lead and one per action
    offer(supplier_a, external_id="x-1")
    offer(
        supplier_a,
        external_id="x-2",
        first_name="Łucja",
        phone="+48 601 000 222",
        email="l@example.pl",
        price="15.00",
        cpa_price="70.00",
    )
    adjustment_post(organization=buyer_a.organization, amount_cents=100_00, reason="test funds")
    sign_in_as(page, buyer_a.user)
    page.goto(page.base + "/marketplace/")
    expect(page.locator("table tbody tr")).to_have_count(2)
    for button in ("Buy 12.50", "Pay per action 70.00"):
        row = page.locator("table tbody tr", has=page.get_by_role("button", name=button))
        row.get_by_role("button", name=button).click()
        expect(row.get_by_role("link", name=re.compile("Open the purchase"))).to_be_visible()

    # when: they export from the purchases page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Purchases").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    saved = tmp_path / "purchases.csv"
    download.save_as(saved)

    # then: a UTF-8 file with a byte-order mark (spreadsheets read the Polish letters right)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert download.suggested_filename.endswith(".csv")
    records = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    sales = {str(sale.pk): sale for sale in Sale.objects.filter(buyer=buyer_a.organization)}
    assert {record["purchase_id"] for record in records} == set(sales)
    by_name = {record["first_name"]: record for record in records}
    assert set(by_name) == {"Anna", "Łucja"}
    assert (by_name["Anna"]["billing_model"], by_name["Anna"]["price"]) == ("cpl", "12.50")
    assert (by_name["Łucja"]["billing_model"], by_name["Łucja"]["status"]) == (
        "cpa",
        "pending_action",
    )
    assert by_name["Łucja"]["phone"].replace(" ", "").endswith("601000222")
