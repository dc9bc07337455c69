"""Buying a lead: what a purchase stores, charges and answers, and every refusal
leaving nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models.payouts import EarningsHold
from buyers.services import purchase_create
from marketplace.models import (
    AccessChannel,
    LeadStatus,
    OrganizationKind,
    PersonalDataAccess,
    Sale,
    SaleEvent,
    Segment,
)
from tests.buyers.helpers import balances, fund, ledger_keys, make_lead, revenue
from tests.conftest import make_actor

pytestmark = pytest.mark.django_db


def buy(actor, lead_id, body=None, **headers):
    return actor.api().post(
        f"/api/v1/marketplace/leads/{lead_id}/purchase/",
        {"billing_model": "cpl"} if body is None else body,
        format="json",
        **headers,
    )


def test_pay_per_lead_purchase_charges_the_wallet_and_reveals_the_lead(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, price_cents=12_50, first_name="Zofia")

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 201
    body = response.json()
    assert body["billing_model"] == "cpl"
    assert body["price"] == "12.50"
    assert body["currency"] == "USD"
    assert body["status"] == "delivered"
    assert body["outcome"] == "new"
    assert body["action_deadline"] is None
    assert body["lead"]["first_name"] == "Zofia"
    assert body["lead"]["phone"] == lead.phone
    assert body["lead"]["email"] == lead.email
    assert body["lead"]["status"] == "sold_out"
    assert body["lead"]["supplier"] == {"id": str(supplier.pk), "name": supplier.name}
    sale = Sale.objects.get(pk=body["id"])
    assert sale.price_cents == 12_50
    assert sale.commission_percent == 20
    assert sale.supplier_id == supplier.pk
    assert sale.phone_index == lead.phone_index
    assert sale.return_deadline == sale.purchased_at + timedelta(hours=72)
    lead.refresh_from_db()
    assert (lead.status, lead.sales_count) == (LeadStatus.SOLD_OUT, 1)
    assert balances(buyer)["available"] == 100_00 - 12_50
    assert balances(supplier)["pending"] == 10_00
    assert revenue() == 2_50
    assert f"sale:{sale.pk}:charge" in ledger_keys()
    hold = EarningsHold.objects.get(sale_id=str(sale.pk))
    assert hold.release_at == sale.return_deadline
    assert hold.amount_cents == 10_00
    assert list(SaleEvent.objects.filter(sale=sale).values_list("kind", "to_status")) == [
        ("purchased", "delivered")
    ]
    access = PersonalDataAccess.objects.get()
    assert (access.sale_id, access.lead_id, access.organization_id) == (sale.pk, lead.pk, buyer.pk)
    assert access.channel == AccessChannel.API
    assert access.api_key is not None


def test_pay_per_action_purchase_reserves_the_price(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, cpa_price_cents=60_00)

    response = buy(buyer_a, lead.pk, {"billing_model": "cpa"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["price"]) == ("pending_action", "60.00")
    sale = Sale.objects.get(pk=body["id"])
    window = Segment.objects.get(slug="loans").action_window_days
    assert sale.action_deadline == sale.purchased_at + timedelta(days=window)
    assert balances(buyer) == {"available": 40_00, "reserved": 60_00, "pending": 0, "payable": 0}
    assert balances(supplier)["pending"] == 0
    assert f"sale:{sale.pk}:reserve" in ledger_keys()
    assert not EarningsHold.objects.exists()


def test_shared_lead_stays_available_until_its_last_sale(buyer_a, buyer_b, supplier):
    lead = make_lead(supplier, max_sales=2)
    for actor in (buyer_a, buyer_b):
        fund(actor.organization, 50_00)

    assert buy(buyer_a, lead.pk).status_code == 201
    lead.refresh_from_db()
    assert (lead.status, lead.sales_count) == (LeadStatus.AVAILABLE, 1)
    assert buy(buyer_b, lead.pk).status_code == 201
    lead.refresh_from_db()
    assert (lead.status, lead.sales_count) == (LeadStatus.SOLD_OUT, 2)


def test_purchase_charges_the_age_discounted_price_and_stamps_the_segment_terms(buyer, supplier):
    fund(buyer, 100_00)
    loans = Segment.objects.get(slug="loans")
    loans.age_discounts = [{"after_hours": 72, "percent": 30}]
    loans.commission_percent = 10
    loans.return_window_hours = 24
    loans.save()
    lead = make_lead(supplier, price_cents=10_00, created_at=timezone.now() - timedelta(hours=80))

    sale = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")

    assert sale.price_cents == 7_00
    assert sale.commission_percent == 10
    assert sale.return_deadline == sale.purchased_at + timedelta(hours=24)
    assert balances(buyer)["available"] == 93_00
    assert balances(supplier)["pending"] == 6_30
    # A later edit of the segment does not change the sale.
    loans.return_window_hours = 500
    loans.commission_percent = 50
    loans.save()
    sale.refresh_from_db()
    assert (sale.commission_percent, sale.return_deadline) == (
        10,
        sale.purchased_at + timedelta(hours=24),
    )


def test_idempotency_key_replays_the_purchase_without_buying_twice(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, max_sales=3)

    first = buy(buyer_a, lead.pk, HTTP_IDEMPOTENCY_KEY="buy-1")
    second = buy(buyer_a, lead.pk, HTTP_IDEMPOTENCY_KEY="buy-1")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Sale.objects.count() == 1
    assert balances(buyer)["available"] == 100_00 - 12_50


# --- refusals: nothing left behind --------------------------------------------------


def assert_nothing_bought(buyer, lead=None, keys_before=frozenset()):
    assert not Sale.objects.exists()
    assert not SaleEvent.objects.exists()
    assert not EarningsHold.objects.exists()
    assert not PersonalDataAccess.objects.exists()
    assert ledger_keys() == set(keys_before)
    if lead is not None:
        before = lead.sales_count, lead.status
        lead.refresh_from_db()
        assert (lead.sales_count, lead.status) == before


def test_already_purchased_lead_is_409(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, max_sales=3)
    assert buy(buyer_a, lead.pk).status_code == 201
    keys = ledger_keys()

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_purchased"
    lead.refresh_from_db()
    assert lead.sales_count == 1
    assert Sale.objects.count() == 1
    assert ledger_keys() == keys


def test_same_person_from_another_supplier_within_the_dedup_window_is_409(
    buyer_a, buyer, supplier, supplier_b
):
    fund(buyer, 100_00)
    first = make_lead(supplier, phone="+48601999001", email="same@example.pl")
    # The same phone, another email and supplier: still the same person.
    second = make_lead(supplier_b.organization, phone="+48601999001", email="other@example.pl")
    assert buy(buyer_a, first.pk).status_code == 201

    response = buy(buyer_a, second.pk)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate"
    second.refresh_from_db()
    assert second.sales_count == 0
    assert Sale.objects.count() == 1


def test_same_person_after_the_dedup_window_or_in_another_segment_can_be_bought(
    buyer, supplier, supplier_b
):
    fund(buyer, 100_00)
    old = purchase_create(
        buyer=buyer, lead_id=make_lead(supplier, email="p@example.pl").pk, billing_model="cpl"
    )
    Sale.objects.filter(pk=old.pk).update(purchased_at=timezone.now() - timedelta(days=31))
    again = make_lead(supplier_b.organization, email="p@example.pl", phone="")
    elsewhere = make_lead(supplier_b.organization, segment="travel", email="p@example.pl")

    assert purchase_create(buyer=buyer, lead_id=again.pk, billing_model="cpl")
    assert purchase_create(buyer=buyer, lead_id=elsewhere.pk, billing_model="cpl")
    assert Sale.objects.count() == 3


def test_pay_per_action_not_offered_is_422(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, cpa_price_cents=None)

    response = buy(buyer_a, lead.pk, {"billing_model": "cpa"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"]["billing_model"]
    assert_nothing_bought(buyer, lead, ledger_keys())


def test_sold_out_lead_is_409(buyer_a, buyer_b, supplier):
    fund(buyer_b.organization, 100_00)
    fund(buyer_a.organization, 100_00)
    lead = make_lead(supplier)
    assert buy(buyer_b, lead.pk).status_code == 201

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sold_out"
    assert Sale.objects.count() == 1
    assert balances(buyer_a.organization)["available"] == 100_00


def test_insufficient_funds_is_402_and_leaves_the_lead_on_sale(buyer_a, buyer, supplier):
    fund(buyer, 12_49)
    lead = make_lead(supplier, price_cents=12_50)
    keys = ledger_keys()

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_funds"
    assert_nothing_bought(buyer, lead, keys)
    assert balances(buyer)["available"] == 12_49


def test_insufficient_funds_for_the_reserve_is_402(buyer_a, buyer, supplier):
    fund(buyer, 59_99)
    lead = make_lead(supplier, cpa_price_cents=60_00)
    keys = ledger_keys()

    response = buy(buyer_a, lead.pk, {"billing_model": "cpa"})

    assert response.status_code == 402
    assert_nothing_bought(buyer, lead, keys)


def test_a_suspended_suppliers_lead_is_not_sold(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier)
    supplier.suspended_at = timezone.now()
    supplier.save()
    keys = ledger_keys()

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert_nothing_bought(buyer, lead, keys)


def test_an_organization_cannot_buy_its_own_lead(db):
    both = make_actor("both_ways", OrganizationKind.BOTH)
    fund(both.organization, 100_00)
    lead = make_lead(both.organization)
    keys = ledger_keys()

    response = buy(both, lead.pk)

    assert response.status_code == 403
    assert_nothing_bought(both.organization, lead, keys)


@pytest.mark.parametrize("status", [LeadStatus.REJECTED, LeadStatus.HELD])
def test_leads_never_on_sale_are_404(buyer_a, buyer, supplier, status):
    fund(buyer, 100_00)
    lead = make_lead(supplier, status=status)

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 404
    assert_nothing_bought(buyer, lead, ledger_keys())


def test_expired_lead_is_409(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, status=LeadStatus.EXPIRED)

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 409
    assert_nothing_bought(buyer, lead, ledger_keys())


@pytest.mark.parametrize(
    "lead_id",
    [
        "01937a8e-0000-7000-8000-000000000000",  # a well-formed id of no lead
        "not-a-uuid",
        "1",
        "x" * 300,
    ],
)
def test_unknown_or_malformed_lead_ids_are_404(buyer_a, buyer, lead_id):
    fund(buyer, 100_00)
    keys = ledger_keys()

    response = buy(buyer_a, lead_id)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert_nothing_bought(buyer, keys_before=keys)


def test_a_nul_in_the_lead_id_is_refused_in_the_envelope(buyer_a, buyer):
    response = buy(buyer_a, "%00")

    assert response.status_code == 400
    assert response.json()["error"]["code"]
    assert not Sale.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"billing_model": "CPL"},
        {"billing_model": "free"},
        {"billing_model": None},
        {"billing_model": 1},
        {"billing_model": ["cpl"]},
        {"billing_model": "c" * 100_000},
        ["cpl"],
        "cpl",
    ],
)
def test_bad_bodies_are_422_in_the_envelope(buyer_a, buyer, supplier, body):
    fund(buyer, 100_00)
    lead = make_lead(supplier)
    keys = ledger_keys()

    response = buy(buyer_a, lead.pk, body)

    assert response.status_code == 422
    assert set(response.json()["error"]) >= {"code", "message", "fields"}
    assert_nothing_bought(buyer, lead, keys)


@pytest.mark.parametrize(
    "raw", [b"{", b'{"billing_model": "cpl"', b"\xff\xfe", b'{"billing_model": "\\u0000"}']
)
def test_malformed_json_is_400(buyer_a, buyer, supplier, raw):
    fund(buyer, 100_00)
    lead = make_lead(supplier)
    keys = ledger_keys()

    response = buyer_a.api().post(
        f"/api/v1/marketplace/leads/{lead.pk}/purchase/", raw, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    assert_nothing_bought(buyer, lead, keys)


def test_a_supplier_cannot_buy(supplier_a, supplier_b):
    lead = make_lead(supplier_b.organization)

    response = buy(supplier_a, lead.pk)

    assert response.status_code == 403
    assert not Sale.objects.exists()
