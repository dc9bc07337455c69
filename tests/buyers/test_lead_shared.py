"""``Sale.lead_shared``: stamped at purchase (the lead's ``max_sales`` above 1), on the
one-statement path and the general path alike, filled in for the sales made before
it (buyers migration 0003), and what the catalog's "bought by me" rule reads."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from buyers.services import purchase_create, purchases
from marketplace.models import Sale
from tests.buyers.helpers import make_lead
from tests.factories import SaleFactory
from tests.marketplace.catalog.conftest import browse, ids

pytestmark = pytest.mark.django_db

fill = importlib.import_module("buyers.migrations.0003_purchase_stamps_lead_shared")


@pytest.mark.postgres  # the one-statement path is PostgreSQL's
@pytest.mark.parametrize("max_sales", [1, 2, 5])
def test_a_purchase_stamps_whether_its_lead_is_shared(
    buyer, trading, supplier, general_path, max_sales
):
    lead = make_lead(supplier, max_sales=max_sales)

    general_path.calls.clear()

    sale = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")

    assert general_path.calls == []
    assert Sale.objects.get(pk=sale.pk).lead_shared is (max_sales > 1)


@pytest.mark.parametrize("max_sales", [1, 3])
def test_the_general_path_stamps_it_too(buyer, trading, supplier, max_sales, monkeypatch):
    monkeypatch.setattr(purchases, "purchase_quick", lambda **kwargs: None)
    lead = make_lead(supplier, max_sales=max_sales)

    sale = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpa")

    assert Sale.objects.get(pk=sale.pk).lead_shared is (max_sales > 1)


def test_the_sales_made_before_are_filled_in(buyer, supplier):
    shared = SaleFactory(lead=make_lead(supplier, max_sales=3), buyer=buyer, lead_shared=False)
    exclusive = SaleFactory(lead=make_lead(supplier), buyer=buyer, lead_shared=False)
    untouched = {name: getattr(shared, name) for name in ("status", "price_cents", "purchased_at")}

    fill.lead_shared_fill(apps, None)
    fill.lead_shared_fill(apps, None)  # again: nothing changes

    shared.refresh_from_db()
    exclusive.refresh_from_db()
    assert (shared.lead_shared, exclusive.lead_shared) == (True, False)
    assert {name: getattr(shared, name) for name in untouched} == untouched


@pytest.mark.postgres
def test_a_bought_shared_lead_stays_hidden_from_its_buyer_only(
    buyer_a, buyer_b, supplier, trading, general_path
):
    general_path.calls.clear()
    shared = make_lead(supplier, max_sales=3)
    exclusive = make_lead(supplier)

    for lead in (shared, exclusive):
        purchase_create(buyer=buyer_a.organization, lead_id=lead.pk, billing_model="cpl")

    assert general_path.calls == []  # both by the SQL function, which stamped them
    both = {str(shared.pk), str(exclusive.pk)}
    for params in ({}, {"segment": "loans"}, {"segment": "loans", "max_age_hours": "1"}):
        assert not both & set(ids(browse(buyer_a, **params))), params
        assert both & set(ids(browse(buyer_b, **params))) == {str(shared.pk)}, params
