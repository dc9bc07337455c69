"""POST /api/v1/wallet/topups/: a Stripe Checkout Session through the real library."""

from __future__ import annotations

import pytest

from billing.models import TopUp, TopUpStatus, Transaction
from billing.stripe.gateway import checkout_idempotency_key
from tests.billing.helpers import balances
from tests.billing.stripe.helpers import ledger_ok

URL = "/api/v1/wallet/topups/"
pytestmark = pytest.mark.django_db


def test_topup_creates_a_checkout_session_and_returns_its_url(buyer_a, fake_stripe):
    response = buyer_a.api().post(URL, {"amount": "100.00"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    topup = TopUp.objects.get(pk=body["id"])
    assert body["checkout_url"] == topup.checkout_url
    assert body["checkout_url"].startswith("https://checkout.stripe.test/")
    assert topup.status == TopUpStatus.CREATED
    assert topup.amount_cents == 100_00
    assert topup.currency == "USD"
    assert topup.organization == buyer_a.organization
    session = fake_stripe.sessions[topup.checkout_session_id]
    [sent] = fake_stripe.checkout_creates()
    assert sent.headers["idempotency-key"] == checkout_idempotency_key(topup.pk)
    assert sent.headers["authorization"] == "Bearer sk_test_leadmarket"
    assert sent.params["mode"] == "payment"
    assert sent.params["client_reference_id"] == str(topup.pk)
    assert sent.params["metadata"] == {
        "topup_id": str(topup.pk),
        "organization_id": str(buyer_a.organization.pk),
    }
    assert sent.params["payment_intent_data"]["metadata"] == sent.params["metadata"]
    [item] = sent.params["line_items"]
    assert item["quantity"] == "1"
    assert item["price_data"]["unit_amount"] == "10000"
    assert item["price_data"]["currency"] == "usd"
    assert f"/billing/topups/{topup.pk}/" in sent.params["success_url"]
    assert "{CHECKOUT_SESSION_ID}" in sent.params["success_url"]
    assert "/billing/topups/?cancelled=" in sent.params["cancel_url"]
    assert session["amount_total"] == 100_00
    # nothing is credited before Stripe's signed event
    assert balances(buyer_a.organization)["available"] == 0
    assert not Transaction.objects.exists()


def test_idempotency_key_replays_the_first_answer_and_opens_one_session(buyer_a, fake_stripe):
    client = buyer_a.api()
    first = client.post(URL, {"amount": "25.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, {"amount": "25.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TopUp.objects.count() == 1
    assert len(fake_stripe.checkout_creates()) == 1


def test_browser_session_of_a_buyer_can_top_up(buyer_a, fake_stripe):
    response = buyer_a.browser().post(URL, {"amount": "10"}, format="json")

    assert response.status_code == 201
    assert TopUp.objects.get().created_by == buyer_a.user


@pytest.mark.parametrize(
    "amount",
    [
        "abc",
        "-5.00",
        "0",
        "0.00",
        "1.005",
        "99999999999999999999",
        "1e3",
        "NaN",
        12.5,
        True,
        None,
        ["10.00"],
        {"value": "10.00"},
        "",
        "0.99",  # below the minimum top-up
        "50000.01",  # above the maximum top-up
        "10000000.00",
    ],
)
def test_bad_amounts_are_422_and_create_nothing(buyer_a, fake_stripe, amount):
    response = buyer_a.api().post(URL, {"amount": amount}, format="json")

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert "amount" in error["fields"]
    assert not TopUp.objects.exists()
    assert fake_stripe.checkout_creates() == []


def test_missing_amount_wrong_currency_and_non_object_body_are_422(buyer_a, fake_stripe):
    client = buyer_a.api()
    assert client.post(URL, {}, format="json").status_code == 422
    wrong = client.post(URL, {"amount": "10.00", "currency": "EUR"}, format="json")
    assert wrong.status_code == 422
    assert "currency" in wrong.json()["error"]["fields"]
    assert client.post(URL, ["10.00"], format="json").status_code == 422
    assert client.post(URL, "not json", content_type="application/json").status_code == 400
    assert not TopUp.objects.exists()
    assert fake_stripe.checkout_creates() == []


def test_limits_come_from_settings(buyer_a, fake_stripe, settings):
    settings.TOPUP_MIN_CENTS = 50_00
    settings.TOPUP_MAX_CENTS = 60_00
    client = buyer_a.api()
    assert client.post(URL, {"amount": "49.99"}, format="json").status_code == 422
    assert client.post(URL, {"amount": "60.01"}, format="json").status_code == 422
    assert client.post(URL, {"amount": "55.00"}, format="json").status_code == 201


def test_only_buyers_may_top_up(supplier_a, moderator, anonymous, fake_stripe):
    assert supplier_a.api().post(URL, {"amount": "10.00"}, format="json").status_code == 403
    assert moderator.api().post(URL, {"amount": "10.00"}, format="json").status_code == 403
    assert anonymous.post(URL, {"amount": "10.00"}, format="json").status_code == 401
    assert not TopUp.objects.exists()


def test_stripe_unreachable_is_a_clear_503_and_the_topup_is_failed(buyer_a, stripe_down):
    response = buyer_a.api().post(URL, {"amount": "100.00"}, format="json")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "payment_provider_unavailable"
    assert "nothing was charged" in error["message"]
    topup = TopUp.objects.get()
    assert error["topup_id"] == str(topup.pk)
    assert topup.status == TopUpStatus.FAILED
    assert "could not be reached" in topup.failure_reason
    assert not Transaction.objects.exists()
    ledger_ok()


def test_stripe_5xx_is_503_and_a_stripe_refusal_is_502(buyer_a, fake_stripe):
    fake_stripe.fail_status = 500
    response = buyer_a.api().post(URL, {"amount": "100.00"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payment_provider_unavailable"

    fake_stripe.fail_status = 400
    response = buyer_a.api().post(URL, {"amount": "100.00"}, format="json")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "payment_provider_error"

    assert set(TopUp.objects.values_list("status", flat=True)) == {TopUpStatus.FAILED}
    assert not Transaction.objects.exists()


def test_unconfigured_stripe_is_503(buyer_a, fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = buyer_a.api().post(URL, {"amount": "100.00"}, format="json")
    assert response.status_code == 503
    assert "not configured" in TopUp.objects.get().failure_reason
