"""Moderators read the ledger in the admin; nobody adds, changes or deletes rows there."""

from __future__ import annotations

import pytest
from django.contrib import admin

from billing.models import Account, Transaction
from billing.services import cpl_charge
from tests.billing.helpers import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def charge(buyer, supplier) -> Transaction:
    fund(buyer, 1_000)
    return cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)


@pytest.mark.parametrize("model", [Account, Transaction])
def test_ledger_admins_are_view_only_even_for_superusers(rf, moderator, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    for user in (moderator.user, type(moderator.user)(is_superuser=True, is_active=True)):
        request.user = user
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_a_moderator_reads_accounts_and_a_transaction_with_its_entries(moderator, charge):
    client = moderator.browser()
    assert client.get("/admin/billing/account/").status_code == 200
    assert client.get("/admin/billing/transaction/").status_code == 200
    page = client.get(f"/admin/billing/transaction/{charge.pk}/change/")
    assert page.status_code == 200
    assert b"sale:s1:charge" in page.content
    assert b"-1000" in page.content  # the buyer's entry, in the inline
    assert b"Buyer A" in page.content
    assert client.post(f"/admin/billing/transaction/{charge.pk}/delete/").status_code == 403
    assert client.get("/admin/billing/account/add/").status_code == 403


def test_organizations_cannot_open_the_ledger_admin(buyer_a, charge):
    response = buyer_a.browser().get("/admin/billing/transaction/")
    assert response.status_code == 302
