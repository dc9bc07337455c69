"""A buyer, in a real browser: sign in → dashboard → "Add funds" → Stripe Checkout (stubbed:
the browser's request to Stripe's page is answered here) → Stripe's signed webhook →
back on the return page with the wallet credited."""

from __future__ import annotations

import json
import re

import pytest
import requests
from playwright.sync_api import expect

from billing.models import TopUp, TopUpStatus
from billing.selectors import wallet_balances
from tests.billing.stripe.helpers import WEBHOOK_URL, event, sign
from tests.browser.helpers import PASSWORD, sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)

CHECKOUT = re.compile(r"^https://checkout\.stripe\.test/")


def test_buyer_signs_in_and_adds_funds_through_stubbed_stripe_checkout(
    page, live_server, buyer_a, fake_stripe, shot
):
    checkout_pages: list[str] = []

    def stripe_checkout(route):
        checkout_pages.append(route.request.url)
        route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><title>Stripe Checkout</title><h1>Pay Leadmarket</h1>",
        )

    page.route(CHECKOUT, stripe_checkout)

    # given: the buyer signs in with the form
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("Email").fill(buyer_a.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Leads you can buy")).to_be_visible()
    expect(page.get_by_text("You have not bought any leads yet")).to_be_visible()
    shot(page, "buyer-dashboard-empty")

    # when: they add 250.00 to the wallet
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Add funds").click()
    page.get_by_label("Amount").fill("250.00")
    shot(page, "add-funds")
    page.get_by_role("button", name="Continue to payment").click()

    # then: the browser is at Stripe Checkout for exactly that top-up
    expect(page.get_by_role("heading", name="Pay Leadmarket")).to_be_visible()
    topup = TopUp.objects.get(organization=buyer_a.organization)
    assert topup.amount_cents == 250_00
    assert checkout_pages == [topup.checkout_url]
    assert wallet_balances(organization=buyer_a.organization).available_cents == 0

    # Stripe takes the payment and tells us so with a signed webhook
    completed = json.dumps(
        event("checkout.session.completed", fake_stripe.pay(topup.checkout_session_id))
    ).encode()
    answer = requests.post(
        live_server.url + WEBHOOK_URL,
        data=completed,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(completed)},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text

    # and sends the buyer back to the return page
    session = fake_stripe.sessions[topup.checkout_session_id]
    page.goto(session["success_url"].replace("{CHECKOUT_SESSION_ID}", topup.checkout_session_id))
    expect(page.get_by_text("your wallet has been credited")).to_be_visible()
    expect(page.locator("main")).to_contain_text("250.00 USD")
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.PAID
    assert wallet_balances(organization=buyer_a.organization).available_cents == 250_00
    shot(page, "topup-credited")


def test_bad_amount_is_shown_next_to_the_field_and_nothing_is_started(page, buyer_a, fake_stripe):
    sign_in_as(page, buyer_a.user)
    page.goto(page.base + "/billing/topups/")
    page.get_by_label("Amount").fill("1.001")
    page.get_by_role("button", name="Continue to payment").click()

    amount = page.get_by_label("Amount")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_amount_errors")).to_contain_text("two decimal")
    assert not TopUp.objects.exists()
    assert fake_stripe.checkout_creates() == []
