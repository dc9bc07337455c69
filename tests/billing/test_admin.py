"""Moderators read the ledger and the other money records (top-ups, Stripe events,
payouts, earnings holds) in the admin; nobody adds, changes or deletes rows there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone

from billing.models import (
    Account,
    AccountKind,
    EarningsHold,
    Payout,
    StripeEvent,
    TopUp,
    TopUpStatus,
    Transaction,
)
from billing.services import adjustment_post, cpl_charge
from billing.services.holds import earnings_hold_schedule
from billing.services.payouts import payout_request
from billing.stripe.events import event_receive
from tests.billing.helpers import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def charge(buyer, supplier) -> Transaction:
    fund(buyer, 1_000)
    return cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)


@pytest.mark.parametrize("model", [Account, Transaction, TopUp, StripeEvent, Payout, EarningsHold])
def test_money_admins_are_view_only_even_for_superusers(rf, moderator, model):
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


@pytest.fixture
def records(buyer, supplier, charge) -> dict:
    topup = TopUp.objects.create(organization=buyer, amount_cents=25_00, currency="USD")
    event, _ = event_receive(
        {"id": "evt_admin_1", "object": "event", "type": "charge.refunded", "data": {"object": {}}}
    )
    hold = earnings_hold_schedule(
        sale_id="s1", supplier=supplier, release_at=timezone.now() + timedelta(days=3)
    )
    adjustment_post(
        organization=supplier,
        amount_cents=40_00,
        reason="Earnings",
        account_kind=AccountKind.SUPPLIER_PAYABLE,
    )
    payout = payout_request(organization=supplier)
    return {"topup": topup, "stripeevent": event, "earningshold": hold, "payout": payout}


@pytest.mark.parametrize("name", ["topup", "stripeevent", "payout", "earningshold"])
def test_a_moderator_reads_each_money_record_and_cannot_change_it(moderator, records, name):
    record = records[name]
    client = moderator.browser()
    before = {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}

    listing = client.get(f"/admin/billing/{name}/")
    page = client.get(f"/admin/billing/{name}/{record.pk}/change/")
    edit = client.post(f"/admin/billing/{name}/{record.pk}/change/", {"status": "paid"})
    delete = client.post(f"/admin/billing/{name}/{record.pk}/delete/", {"post": "yes"})
    add = client.post(f"/admin/billing/{name}/add/", {"amount_cents": 1})

    assert listing.status_code == 200
    assert f"/admin/billing/{name}/{record.pk}/change/".encode() in listing.content
    assert page.status_code == 200
    assert (edit.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    record.refresh_from_db()
    assert {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields} == before
    assert type(record).objects.count() == 1


def test_the_payout_page_shows_its_history(moderator, records):
    page = moderator.browser().get(f"/admin/billing/payout/{records['payout'].pk}/change/")

    assert page.status_code == 200
    assert b"requested" in page.content  # the PayoutEvent inline
    assert b"4000" in page.content


def test_failed_stripe_events_can_be_listed_for_follow_up(moderator, records):
    StripeEvent.objects.filter(pk=records["stripeevent"].pk).update(status="failed")

    page = moderator.browser().get("/admin/billing/stripeevent/?status__exact=failed")

    assert page.status_code == 200
    assert b"evt_admin_1" in page.content


@pytest.mark.parametrize("path", ["topup", "stripeevent", "payout", "earningshold"])
def test_organizations_cannot_open_the_money_admin(buyer_a, supplier_a, path):
    for actor in (buyer_a, supplier_a):
        assert actor.browser().get(f"/admin/billing/{path}/").status_code == 302


def test_a_top_up_status_filter_lists_only_that_status(moderator, records, buyer):
    TopUp.objects.create(
        organization=buyer, amount_cents=30_00, currency="USD", status=TopUpStatus.PAID
    )

    page = moderator.browser().get("/admin/billing/topup/?status__exact=paid")

    assert page.status_code == 200
    assert str(records["topup"].pk).encode() not in page.content
