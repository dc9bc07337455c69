"""The buyer's "Add funds" page and the page Stripe Checkout returns to."""

from __future__ import annotations

import pytest

from billing.models import TopUp, TopUpStatus, Transaction
from tests.billing.stripe.helpers import deliver, event, start_topup

pytestmark = pytest.mark.django_db
PAGE = "/billing/topups/"


def test_buyer_sees_the_form_and_the_organizations_topups(buyer_a, buyer_b, fake_stripe):
    mine = start_topup(buyer_a, "12.34")
    start_topup(buyer_b, "99.99")

    response = buyer_a.browser().get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Add funds" in html
    assert 'name="amount"' in html
    assert "12.34 USD" in html
    assert "99.99" not in html
    assert f"/billing/topups/{mine.pk}/" in html


def test_posting_the_form_sends_the_payer_to_checkout(buyer_a, fake_stripe):
    response = buyer_a.browser().post(PAGE, {"amount": "50.00"})

    topup = TopUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == topup.checkout_url
    assert topup.amount_cents == 50_00
    assert topup.created_by == buyer_a.user
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "required"),
        ("ten", "is not an amount"),
        ("-1", "cannot be negative"),
        ("0", "more than zero"),
        ("1.001", "two decimal"),
        ("0.50", "smallest top-up"),
        ("60000", "largest top-up"),
    ],
)
def test_bad_amounts_are_shown_next_to_the_field(buyer_a, fake_stripe, amount, message):
    response = buyer_a.browser().post(PAGE, {"amount": amount})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_amount_errors"' in html
    assert message in html
    assert not TopUp.objects.exists()


def test_stripe_down_is_a_form_error_not_a_crash(buyer_a, stripe_down):
    response = buyer_a.browser().post(PAGE, {"amount": "50.00"})

    assert response.status_code == 503
    assert "payment provider is unavailable" in response.content.decode()
    assert TopUp.objects.get().status == TopUpStatus.FAILED
    assert not Transaction.objects.exists()


def test_return_page_says_the_wallet_is_credited_when_stripe_confirms(buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "40.00")
    browser = buyer_a.browser()
    url = f"/billing/topups/{topup.pk}/?session_id={topup.checkout_session_id}"

    before = browser.get(url).content.decode()
    deliver(
        browser,
        event("checkout.session.completed", fake_stripe.pay(topup.checkout_session_id)),
    )
    after = browser.get(url).content.decode()

    assert "Payment received — your wallet is credited when Stripe confirms it" in before
    assert "Waiting for payment" in before
    assert "your wallet has been credited" in after
    assert "40.00 USD" in after


def test_cancelled_checkout_comes_back_to_the_form(buyer_a, fake_stripe):
    topup = start_topup(buyer_a, "40.00")
    html = buyer_a.browser().get(f"{PAGE}?cancelled={topup.pk}").content.decode()
    assert "was cancelled; nothing was charged" in html


def test_another_buyers_topup_is_404_and_suppliers_get_403(
    buyer_a, buyer_b, supplier_a, fake_stripe
):
    topup = start_topup(buyer_a, "40.00")
    assert buyer_b.browser().get(f"/billing/topups/{topup.pk}/").status_code == 404
    assert buyer_a.browser().get("/billing/topups/not-a-uuid/").status_code == 404
    assert supplier_a.browser().get(PAGE).status_code == 403
    assert supplier_a.browser().post(PAGE, {"amount": "5.00"}).status_code == 403


def test_nav_links_add_funds_for_buyers_only(buyer_a, supplier_a):
    assert 'href="/billing/topups/"' in buyer_a.browser().get("/dashboard/").content.decode()
    assert 'href="/billing/topups/"' not in supplier_a.browser().get("/dashboard/").content.decode()
