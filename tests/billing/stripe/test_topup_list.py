"""GET /api/v1/wallet/topups/: a buyer's own top-ups, newest first, cursor pages."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from billing.models import TopUp, TopUpStatus
from tests.billing.stripe.helpers import deliver, event, start_topup
from tests.suppliers.helpers import assert_envelope

URL = "/api/v1/wallet/topups/"
pytestmark = pytest.mark.django_db


def make_topups(organization, count: int, **fields) -> list[TopUp]:
    return [
        TopUp.objects.create(
            organization=organization, amount_cents=(n + 1) * 100, currency="USD", **fields
        )
        for n in range(count)
    ]


def test_lists_the_buyers_top_ups_with_status_amount_and_whether_credited(buyer_a, fake_stripe):
    # given: one top-up paid and credited through Stripe's event, one still open
    paid = start_topup(buyer_a, "100.00")
    deliver(
        Client(), event("checkout.session.completed", fake_stripe.pay(paid.checkout_session_id))
    )
    open_one = start_topup(buyer_a, "20.50")

    response = buyer_a.api().get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    newest, oldest = body["results"]
    assert newest == {
        "id": str(open_one.pk),
        "status": "created",
        "amount": "20.50",
        "currency": "USD",
        "created_at": newest["created_at"],
        "credited": False,
        "credited_at": None,
    }
    paid.refresh_from_db()
    assert oldest["id"] == str(paid.pk)
    assert oldest["status"] == "paid"
    assert oldest["amount"] == "100.00"
    assert oldest["credited"] is True
    assert oldest["credited_at"] is not None
    assert oldest["created_at"].endswith("Z")
    assert "no-store" in response["Cache-Control"]


def test_another_organizations_top_ups_are_not_listed(buyer_a, buyer_b):
    make_topups(buyer_b.organization, 2)
    mine = make_topups(buyer_a.organization, 1)

    ids = [row["id"] for row in buyer_a.api().get(URL).json()["results"]]

    assert ids == [str(mine[0].pk)]
    assert buyer_b.api().get(URL).json()["results"][0]["id"] != str(mine[0].pk)


def test_pages_follow_the_cursor_without_gaps_or_repeats(buyer_a):
    created = make_topups(buyer_a.organization, 7)
    client = buyer_a.api()

    seen: list[str] = []
    url = f"{URL}?limit=3"
    for _ in range(5):
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        if body["next"] is None:
            break
        url = body["next"]

    assert seen == [str(topup.pk) for topup in reversed(created)]


def test_the_status_filter_lists_only_that_status(buyer_a):
    make_topups(buyer_a.organization, 2)
    [expired] = make_topups(buyer_a.organization, 1, status=TopUpStatus.EXPIRED)

    rows = buyer_a.api().get(f"{URL}?status=expired").json()["results"]

    assert [row["id"] for row in rows] == [str(expired.pk)]


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("?status=bogus", 422, "validation_failed", "status"),
        ("?status=" + "x" * 5000, 422, "validation_failed", "status"),
        ("?limit=ten", 422, "validation_failed", "limit"),
        ("?cursor=not-a-cursor", 404, None, None),
        ("?cursor=cD1hYmM%3D", 404, None, None),  # base64 of "p=abc": not an id
        ("?status=paid%00", 400, "malformed_request", None),
    ],
)
def test_bad_queries_are_clear_4xx_in_the_envelope(buyer_a, query, status, code, field):
    make_topups(buyer_a.organization, 1)

    error = assert_envelope(buyer_a.api().get(URL + query), status=status, code=code)

    if field:
        assert field in error["fields"]
    assert TopUp.objects.count() == 1


@pytest.mark.parametrize("actor", ["supplier_a", "moderator"])
def test_only_buyers_list_top_ups(cast, actor):
    make_topups(cast["buyer_a"].organization, 1)

    assert_envelope(cast[actor].api().get(URL), status=403, code="forbidden")


def test_anonymous_is_401(buyer_a):
    assert_envelope(APIClient().get(URL), status=401, code="unauthenticated")
