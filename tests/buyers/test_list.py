"""GET /api/v1/purchases/ and /{id}/: cursor pages, filters, and the access log."""

from __future__ import annotations

import pytest

from buyers.services import purchase_create
from marketplace.models import AccessChannel, PersonalDataAccess, Sale
from tests.buyers.helpers import fund, make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def purchases(buyer, supplier):
    fund(buyer, 1_000_00)
    made = [
        purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
        for _ in range(3)
    ]
    made.append(
        purchase_create(
            buyer=buyer, lead_id=make_lead(supplier, segment="travel").pk, billing_model="cpa"
        )
    )
    return made


def test_list_walks_every_purchase_newest_first_by_cursor(buyer_a, purchases):
    seen, url = [], "/api/v1/purchases/?limit=3"
    while url:
        body = buyer_a.api().get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]

    assert seen == [str(sale.pk) for sale in reversed(purchases)]


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("status=pending_action", 1),
        ("status=delivered", 3),
        ("segment=travel", 1),
        ("segment=loans&billing_model=cpl", 3),
        ("billing_model=cpa", 1),
        ("segment=nosuch", 0),
        ("status=&segment=", 4),
    ],
)
def test_list_filters(buyer_a, purchases, query, count):
    response = buyer_a.api().get(f"/api/v1/purchases/?{query}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize(
    "query",
    ["status=sold", "billing_model=free", "limit=many", "segment=" + "x" * 60, "cursor=bogus"],
)
def test_bad_list_parameters_are_4xx_in_the_envelope(buyer_a, purchases, query):
    response = buyer_a.api().get(f"/api/v1/purchases/?{query}")

    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"]
    assert not PersonalDataAccess.objects.exists()


def test_every_reveal_is_logged_once_per_lead_shown(buyer_a, buyer, purchases):
    buyer_a.api().get("/api/v1/purchases/?limit=2")
    buyer_a.api().get(f"/api/v1/purchases/{purchases[0].pk}/")
    browser = buyer_a.browser()
    browser.get("/buyers/purchases/")
    browser.get(f"/buyers/purchases/{purchases[1].pk}/")

    api_rows = PersonalDataAccess.objects.filter(channel=AccessChannel.API)
    web_rows = PersonalDataAccess.objects.filter(channel=AccessChannel.WEB)
    assert sorted(str(a.sale_id) for a in api_rows) == sorted(
        [str(purchases[3].pk), str(purchases[2].pk), str(purchases[0].pk)]
    )
    assert all(a.api_key_id is not None and a.user_id is None for a in api_rows)
    assert web_rows.count() == 4 + 1
    assert all(a.user_id == buyer_a.user.pk for a in web_rows)
    assert {a.organization_id for a in PersonalDataAccess.objects.all()} == {buyer.pk}
    assert all(
        a.lead_id == Sale.objects.get(pk=a.sale_id).lead_id
        for a in PersonalDataAccess.objects.all()
    )


def test_detail_shows_the_lead_with_personal_data(buyer_a, purchases):
    sale = purchases[3]

    body = buyer_a.api().get(f"/api/v1/purchases/{sale.pk}/").json()

    assert body["id"] == str(sale.pk)
    assert body["segment"] == "travel"
    assert body["lead"]["phone"] == sale.lead.phone
    assert body["action_deadline"] is not None
