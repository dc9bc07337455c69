"""The supplier's GET /api/v1/leads/ shows each lead's sales: the buyer's
organization name and the sale's terms, nothing more of the buyer, without N+1."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from buyers.services import purchase_create
from tests.buyers.helpers import fund, make_lead

pytestmark = pytest.mark.django_db


def test_suppliers_lead_list_shows_sales_with_only_the_buyers_name(
    supplier_a, supplier, buyer, buyer_b
):
    fund(buyer, 100_00)
    fund(buyer_b.organization, 100_00)
    lead = make_lead(supplier, max_sales=3)
    first = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")
    second = purchase_create(buyer=buyer_b.organization, lead_id=lead.pk, billing_model="cpa")

    response = supplier_a.api().get("/api/v1/leads/")

    assert response.status_code == 200
    (listed,) = response.json()["results"]
    assert listed["sales_count"] == 2
    assert listed["sales"] == [
        {
            "id": str(first.pk),
            "buyer": buyer.name,
            "billing_model": "cpl",
            "price": "12.50",
            "status": "delivered",
            "purchased_at": first.purchased_at.isoformat().replace("+00:00", "Z"),
        },
        {
            "id": str(second.pk),
            "buyer": buyer_b.organization.name,
            "billing_model": "cpa",
            "price": "60.00",
            "status": "pending_action",
            "purchased_at": second.purchased_at.isoformat().replace("+00:00", "Z"),
        },
    ]
    text = response.content.decode()
    assert str(buyer.pk) not in text
    assert buyer_b.user.email not in text


def test_another_suppliers_sales_are_not_listed(supplier_b, supplier, buyer):
    fund(buyer, 100_00)
    purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")

    response = supplier_b.api().get("/api/v1/leads/")

    assert response.json()["results"] == []


def _queries_for_list(actor) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert actor.api().get("/api/v1/leads/").status_code == 200
    return len(queries)


def test_lead_list_queries_do_not_grow_with_leads_and_sales(supplier_a, supplier, buyer):
    fund(buyer, 1_000_00)
    purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
    _queries_for_list(supplier_a)  # the key's first use of the day writes its last_used_at
    few = _queries_for_list(supplier_a)

    for _ in range(6):
        purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
        make_lead(supplier)

    assert _queries_for_list(supplier_a) == few
