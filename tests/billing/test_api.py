"""GET /api/v1/wallet/ and /api/v1/wallet/transactions/."""

from __future__ import annotations

import pytest

from billing.services import adjustment_post, cpl_charge, hold_release, topup_credit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.billing.urls")]


@pytest.fixture
def sold(buyer_a, supplier_a, buyer_b):
    topup_credit(
        organization=buyer_a.organization,
        amount_cents=10_000,
        idempotency_key="topup:1",
        reference_id="tp_1",
    )
    cpl_charge(
        buyer=buyer_a.organization,
        supplier=supplier_a.organization,
        sale_id="s1",
        price_cents=2_550,
    )
    cpl_charge(
        buyer=buyer_a.organization,
        supplier=supplier_a.organization,
        sale_id="s2",
        price_cents=1_000,
    )
    hold_release(sale_id="s1")
    adjustment_post(organization=buyer_b.organization, amount_cents=700, reason="Other buyer")


def test_wallet_of_a_buyer(buyer_a, sold):
    response = buyer_a.api().get("/api/v1/wallet/")
    assert response.status_code == 200
    assert response.json() == {
        "currency": "USD",
        "available": "64.50",
        "reserved": "0.00",
        "pending": "0.00",
        "payable": "0.00",
    }


def test_wallet_of_a_supplier(supplier_a, sold):
    response = supplier_a.api().get("/api/v1/wallet/")
    assert response.status_code == 200
    # 25.50 → 5.10 commission, 20.40 earned and released; 10.00 → 8.00 still pending
    assert response.json() == {
        "currency": "USD",
        "available": "0.00",
        "reserved": "0.00",
        "pending": "8.00",
        "payable": "20.40",
    }


def test_wallet_of_an_organization_without_money_is_zero(supplier_b):
    body = supplier_b.api().get("/api/v1/wallet/").json()
    assert body["available"] == body["pending"] == body["payable"] == "0.00"


def test_transactions_of_a_buyer_newest_first_with_descriptions_and_links(buyer_a, sold):
    response = buyer_a.api().get("/api/v1/wallet/transactions/")
    assert response.status_code == 200
    body = response.json()
    lines = body["results"]
    assert [
        (line["kind"], line["account"], line["amount"], line["balance_after"]) for line in lines
    ] == [
        ("cpl_charge", "available", "-10.00", "64.50"),
        ("cpl_charge", "available", "-25.50", "74.50"),
        ("topup", "available", "100.00", "100.00"),
    ]
    assert lines[0]["description"] == "Lead purchase (sale s2)"
    assert lines[0]["reference"] == {"type": "sale", "id": "s2"}
    assert lines[2]["description"] == "Wallet top-up"
    assert lines[2]["reference"] == {"type": "topup", "id": "tp_1"}
    assert lines[0]["currency"] == "USD"
    assert set(lines[0]) >= {"id", "transaction_id", "created_at", "description"}
    assert body["next"] is None


def test_transactions_of_a_supplier_show_only_its_lines(supplier_a, sold):
    lines = supplier_a.api().get("/api/v1/wallet/transactions/").json()["results"]
    assert [(line["kind"], line["account"], line["amount"]) for line in lines] == [
        ("hold_release", "payable", "20.40"),
        ("hold_release", "pending", "-20.40"),
        ("cpl_charge", "pending", "8.00"),
        ("cpl_charge", "pending", "20.40"),
    ]
    assert lines[3]["description"] == (
        "Lead sold: earnings held until the return window closes (sale s1)"
    )


def test_another_organizations_lines_are_never_visible(buyer_b, supplier_b, sold):
    lines = buyer_b.api().get("/api/v1/wallet/transactions/").json()["results"]
    assert [(line["kind"], line["amount"]) for line in lines] == [("adjustment", "7.00")]
    assert lines[0]["description"] == "Adjustment: Other buyer"
    assert supplier_b.api().get("/api/v1/wallet/transactions/").json()["results"] == []


def test_transactions_are_cursor_paginated(buyer_a, sold):
    first = buyer_a.api().get("/api/v1/wallet/transactions/?limit=2").json()
    assert len(first["results"]) == 2
    assert first["next"]
    second = buyer_a.api().get(first["next"]).json()
    assert [line["amount"] for line in second["results"]] == ["100.00"]
    assert second["next"] is None


@pytest.mark.parametrize("path", ["/api/v1/wallet/", "/api/v1/wallet/transactions/"])
def test_moderators_without_an_organization_and_anonymous_callers_are_refused(
    moderator, anonymous, path
):
    response = moderator.api().get(path)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert anonymous.get(path).status_code == 401


def test_a_browser_session_acts_for_its_chosen_organization(buyer_a, sold):
    response = buyer_a.browser().get("/api/v1/wallet/")
    assert response.status_code == 200
    assert response.json()["available"] == "64.50"


@pytest.mark.parametrize("path", ["/api/v1/wallet/", "/api/v1/wallet/transactions/"])
def test_the_wallet_is_read_only(buyer_a, path):
    assert buyer_a.api().post(path, {}, format="json").status_code == 405
