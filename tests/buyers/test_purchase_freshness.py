"""A lead older than its segment's freshness limit is not sold, even while the expiry
task has not marked it yet: the catalog hides it and the purchase refuses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from buyers.services import purchase_create
from marketplace.errors import Conflict
from marketplace.models import LeadStatus, Sale, Segment
from tests.buyers.helpers import balances, fund, ledger_keys, make_lead
from tests.buyers.test_purchase import assert_nothing_bought, buy

pytestmark = pytest.mark.django_db


def _stale_lead(supplier, *, days_over: float = 1):
    segment = Segment.objects.get(slug="loans")
    created = timezone.now() - timedelta(days=segment.freshness_days + days_over)
    return make_lead(supplier, segment="loans", created_at=created), segment


def test_a_stale_lead_still_available_is_409_and_nothing_is_bought(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead, segment = _stale_lead(supplier)
    assert lead.status == LeadStatus.AVAILABLE
    keys = ledger_keys()

    response = buy(buyer_a, lead.pk)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_state"
    assert error["message"] == (
        f"This lead is no longer offered (older than {segment.freshness_days} days)."
    )
    assert_nothing_bought(buyer, lead, keys)
    assert balances(buyer)["available"] == 100_00


def test_a_stale_lead_is_refused_for_pay_per_action_too(buyer, supplier):
    fund(buyer, 100_00)
    lead, _ = _stale_lead(supplier, days_over=0.01)
    keys = ledger_keys()

    with pytest.raises(Conflict, match="no longer offered"):
        purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpa")

    assert_nothing_bought(buyer, lead, keys)
    assert balances(buyer) == {"available": 100_00, "reserved": 0, "pending": 0, "payable": 0}


def test_a_lead_inside_the_freshness_limit_is_sold(buyer, supplier):
    fund(buyer, 100_00)
    segment = Segment.objects.get(slug="loans")
    created = timezone.now() - timedelta(days=segment.freshness_days) + timedelta(hours=1)
    lead = make_lead(supplier, segment="loans", created_at=created)

    sale = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")

    assert Sale.objects.filter(pk=sale.pk, lead=lead).exists()
    lead.refresh_from_db()
    assert lead.sales_count == 1
