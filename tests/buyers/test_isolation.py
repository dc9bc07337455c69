"""A buyer never sees or acts on another buyer's purchase: 404 on every purchase
endpoint and page, and nothing changes."""

from __future__ import annotations

import pytest

from buyers.services import purchase_create
from marketplace.models import Outcome, PersonalDataAccess, Sale, SaleEvent, SaleStatus
from tests.buyers.helpers import fund, ledger_keys, make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale_of_a(buyer, supplier):
    fund(buyer, 100_00)
    return purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpa")


def assert_untouched(sale, keys):
    current = Sale.objects.get(pk=sale.pk)
    assert (current.status, current.outcome) == (SaleStatus.PENDING_ACTION, Outcome.NEW)
    assert SaleEvent.objects.filter(sale=sale).count() == 1
    assert ledger_keys() == keys
    assert not PersonalDataAccess.objects.exists()


def test_every_purchase_endpoint_answers_404_to_another_buyer(buyer_b, sale_of_a):
    api = buyer_b.api()
    base = f"/api/v1/purchases/{sale_of_a.pk}/"
    keys = ledger_keys()

    answers = [
        api.get(base),
        api.patch(base, {"outcome": "contacted"}, format="json"),
        api.post(base + "actions/", {"type": "converted"}, format="json"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert all(a.json()["error"]["code"] == "not_found" for a in answers)
    assert_untouched(sale_of_a, keys)


def test_another_buyers_purchase_is_not_listed_or_exported(buyer_b, sale_of_a):
    listed = buyer_b.api().get("/api/v1/purchases/")
    exported = buyer_b.api().get("/api/v1/purchases/export.csv")

    assert listed.json()["results"] == []
    assert str(sale_of_a.pk) not in b"".join(exported.streaming_content).decode()


def test_every_purchase_page_answers_404_to_another_buyer(buyer_b, sale_of_a):
    browser = buyer_b.browser()
    base = f"/buyers/purchases/{sale_of_a.pk}/"
    keys = ledger_keys()

    answers = [
        browser.get(base),
        browser.post(base + "outcome/", {"outcome": "contacted"}),
        browser.post(base + "action/", {}),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert_untouched(sale_of_a, keys)
    assert str(sale_of_a.lead.phone) not in browser.get("/buyers/purchases/").content.decode()


@pytest.mark.parametrize("sale_id", ["nope", "1", "01937a8e-0000-7000-8000-000000000000"])
def test_unknown_purchase_ids_are_404(buyer_a, sale_id):
    api = buyer_a.api()
    base = f"/api/v1/purchases/{sale_id}/"

    assert api.get(base).status_code == 404
    assert api.patch(base, {"outcome": "contacted"}, format="json").status_code == 404
    assert api.post(base + "actions/", {"type": "converted"}, format="json").status_code == 404
    assert buyer_a.browser().get(f"/buyers/purchases/{sale_id}/").status_code == 404
