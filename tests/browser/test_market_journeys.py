"""The market in a real browser: a buyer filters the marketplace, buys in place (htmx),
opens the lead, reports an outcome and asks for a return; the supplier contests it; a
moderator resolves the dispute. Each step is checked against the rows it must write."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billing.selectors import wallet_balances
from billing.services.wallets import adjustment_post
from marketplace.models import Lead, Outcome, Sale, SaleStatus
from suppliers.services import lead_submit
from tests.browser.helpers import sign_in_as
from tests.factories import lead_payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_buyer_buys_reports_an_outcome_and_returns_then_a_moderator_resolves(
    page, live_server, supplier_a, buyer_a, moderator, shot
):
    # given: a loans lead and a travel lead on sale, and a funded wallet
    lead_submit(supplier=supplier_a.organization, payload=lead_payload(external_id="loan-1"))
    lead_submit(
        supplier=supplier_a.organization,
        payload=lead_payload(
            external_id="trip-1",
            segment="travel",
            phone="+48 601 000 111",
            email="piotr@example.pl",
            attributes={"destination": "Crete"},
        ),
    )
    adjustment_post(organization=buyer_a.organization, amount_cents=100_00, reason="test funds")
    loan = Lead.objects.get(external_id="loan-1")

    # when: the buyer filters the marketplace down to loans
    sign_in_as(page, buyer_a.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Marketplace").click()
    page.get_by_label("Segment").select_option("loans")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"segment=loans"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    assert "Anna" not in rows.first.inner_text() or "Kowalska" not in rows.first.inner_text()
    shot(page, "marketplace")

    # and buys it in place, without leaving the page
    url_before = page.url
    rows.first.get_by_role("button", name=re.compile(r"^Buy ")).click()
    opened = page.get_by_role("link", name=re.compile("Open the purchase"))
    expect(opened).to_be_visible()
    assert page.url == url_before
    sale = Sale.objects.get(buyer=buyer_a.organization, lead=loan)
    assert sale.status == SaleStatus.DELIVERED
    assert wallet_balances(organization=buyer_a.organization).available_cents == (
        100_00 - sale.price_cents
    )

    # then: the purchase shows the person, and the buyer reports "contacted"
    opened.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anna Kowalska")
    page.get_by_label("Outcome", exact=True).select_option("contacted")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Outcome saved.")).to_be_visible()
    sale.refresh_from_db()
    assert sale.outcome == Outcome.CONTACTED
    shot(page, "purchase")

    # the dashboard charts the purchase
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#buyer-funnel[data-drawn]")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("Suppliers you bought from")
    shot(page, "buyer-dashboard")

    # and asks for a return for a reason the supplier must answer
    page.goto(page.base + f"/quality/purchases/{sale.pk}/return/")
    page.get_by_label("Reason").select_option("wrong_person")
    page.get_by_label("Comment").fill("The person says they never asked for a loan.")
    page.get_by_role("button", name="Request the return").click()
    expect(page.locator(".messages")).to_contain_text("Return requested")

    # the supplier contests it on its Returns page
    page.context.clear_cookies()
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/quality/returns/")
    page.get_by_label("Why the lead is good").fill("She filled in our form and confirmed by SMS.")
    page.get_by_role("button", name="Contest").click()
    expect(page.locator(".messages")).to_contain_text("Return contested")

    # a moderator refunds the buyer from the dispute queue
    page.context.clear_cookies()
    sign_in_as(page, moderator.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Disputes").click()
    shot(page, "dispute-queue")
    page.get_by_label("Note").fill("No proof of the SMS confirmation.")
    page.get_by_role("button", name="Refund the buyer").click()
    expect(page.locator(".messages")).to_contain_text("Dispute resolved")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#platform-per-day[data-drawn]")).to_have_count(1)
    shot(page, "moderator-dashboard")

    sale.refresh_from_db()
    assert sale.status == SaleStatus.RETURNED
    assert wallet_balances(organization=buyer_a.organization).available_cents == 100_00
