"""Pay-per-action: reporting the action charges the reserve inside the window;
the beat task releases reserves whose window passed. Pay-per-lead conversions
are recorded without money moving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models.payouts import EarningsHold
from buyers.services import purchase_action_report, purchase_actions_expire, purchase_create
from buyers.tasks import expire_cpa_actions
from marketplace.errors import Conflict, ValidationFailed
from marketplace.models import Outcome, Sale, SaleEvent, SaleStatus
from tests.buyers.helpers import (
    assert_ledger_balanced,
    balances,
    fund,
    ledger_keys,
    make_lead,
    revenue,
)

pytestmark = pytest.mark.django_db


def actions_url(sale) -> str:
    return f"/api/v1/purchases/{sale.pk}/actions/"


@pytest.fixture
def cpa_sale(buyer, supplier):
    fund(buyer, 100_00)
    return purchase_create(
        buyer=buyer, lead_id=make_lead(supplier, cpa_price_cents=60_00).pk, billing_model="cpa"
    )


def test_reported_action_charges_the_reserve_to_supplier_and_platform(
    buyer_a, buyer, supplier, cpa_sale
):
    occurred = timezone.now() - timedelta(minutes=1)

    response = buyer_a.api().post(
        actions_url(cpa_sale),
        {"type": "converted", "external_ref": "POL-1", "occurred_at": occurred.isoformat()},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["outcome"]) == ("action_reported", "converted")
    assert body["lead"]["phone"]
    sale = Sale.objects.get(pk=cpa_sale.pk)
    assert sale.action_external_ref == "POL-1"
    assert sale.converted_at == occurred
    assert balances(buyer) == {"available": 40_00, "reserved": 0, "pending": 0, "payable": 0}
    assert balances(supplier)["pending"] == 48_00
    assert revenue() == 12_00
    assert f"sale:{sale.pk}:charge" in ledger_keys()
    assert EarningsHold.objects.get(sale_id=str(sale.pk)).release_at == sale.return_deadline
    event = SaleEvent.objects.get(sale=sale, kind="action")
    assert (event.from_status, event.to_status) == ("pending_action", "action_reported")
    assert_ledger_balanced()


def test_an_action_after_the_return_window_holds_earnings_from_now(buyer, supplier, cpa_sale):
    later = cpa_sale.return_deadline + timedelta(days=2)

    purchase_action_report(buyer=buyer, sale_id=cpa_sale.pk, now=later)

    assert EarningsHold.objects.get(sale_id=str(cpa_sale.pk)).release_at == later


def test_an_action_reported_twice_is_409_and_charged_once(buyer_a, buyer, cpa_sale):
    first = buyer_a.api().post(actions_url(cpa_sale), {"type": "converted"}, format="json")
    assert first.status_code == 200
    keys = ledger_keys()

    response = buyer_a.api().post(actions_url(cpa_sale), {"type": "converted"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert ledger_keys() == keys
    assert SaleEvent.objects.filter(kind="action").count() == 1


def test_an_action_after_the_window_is_409_and_moves_no_money(buyer, cpa_sale):
    keys = ledger_keys()

    with pytest.raises(Conflict):
        purchase_action_report(
            buyer=buyer, sale_id=cpa_sale.pk, now=cpa_sale.action_deadline + timedelta(seconds=1)
        )

    assert ledger_keys() == keys
    cpa_sale.refresh_from_db()
    assert (cpa_sale.status, cpa_sale.outcome) == (SaleStatus.PENDING_ACTION, Outcome.NEW)


def test_pay_per_lead_conversion_is_recorded_without_charging(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    sale = purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
    keys = ledger_keys()

    response = buyer_a.api().post(actions_url(sale), {"type": "converted"}, format="json")
    again = buyer_a.api().post(actions_url(sale), {"type": "converted"}, format="json")

    assert response.status_code == 200
    assert again.status_code == 409
    sale.refresh_from_db()
    assert (sale.status, sale.outcome) == (SaleStatus.DELIVERED, Outcome.CONVERTED)
    assert sale.converted_at is not None
    assert ledger_keys() == keys


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "type"),
        ({"type": "bought"}, "type"),
        ({"type": "converted", "external_ref": "x" * 129}, "external_ref"),
        ({"type": "converted", "external_ref": ["a"]}, "external_ref"),
        ({"type": "converted", "occurred_at": "yesterday"}, "occurred_at"),
        ({"type": "converted", "occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"type": "converted", "occurred_at": "2000-01-01T00:00:00Z"}, "occurred_at"),
    ],
)
def test_bad_action_bodies_are_422_and_change_nothing(buyer_a, cpa_sale, body, field):
    keys = ledger_keys()

    response = buyer_a.api().post(actions_url(cpa_sale), body, format="json")

    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert ledger_keys() == keys
    assert Sale.objects.get(pk=cpa_sale.pk).status == SaleStatus.PENDING_ACTION


def test_service_refuses_unknown_action_types(buyer, cpa_sale):
    with pytest.raises(ValidationFailed):
        purchase_action_report(buyer=buyer, sale_id=cpa_sale.pk, action_type="refunded")


# --- expiry ------------------------------------------------------------------------


def test_expiry_releases_the_reserve_once_the_window_passed(buyer, supplier, cpa_sale):
    assert purchase_actions_expire(now=cpa_sale.action_deadline - timedelta(seconds=1)) == 0

    assert purchase_actions_expire(now=cpa_sale.action_deadline) == 1

    cpa_sale.refresh_from_db()
    assert cpa_sale.status == SaleStatus.ACTION_EXPIRED
    assert balances(buyer) == {"available": 100_00, "reserved": 0, "pending": 0, "payable": 0}
    assert balances(supplier)["pending"] == 0
    assert f"sale:{cpa_sale.pk}:reserve_release" in ledger_keys()
    event = SaleEvent.objects.get(sale=cpa_sale, kind="action_expired")
    assert event.to_status == "action_expired"
    assert_ledger_balanced()


def test_expiry_run_twice_is_harmless(buyer, cpa_sale):
    later = cpa_sale.action_deadline + timedelta(hours=1)
    assert purchase_actions_expire(now=later) == 1
    keys = ledger_keys()

    assert purchase_actions_expire(now=later) == 0

    assert ledger_keys() == keys
    assert SaleEvent.objects.filter(kind="action_expired").count() == 1
    assert balances(buyer)["available"] == 100_00


def test_an_expired_purchase_can_no_longer_report_its_action(buyer_a, cpa_sale):
    purchase_actions_expire(now=cpa_sale.action_deadline)
    keys = ledger_keys()

    response = buyer_a.api().post(actions_url(cpa_sale), {"type": "converted"}, format="json")

    assert response.status_code == 409
    assert ledger_keys() == keys


def test_expiry_works_in_batches_and_leaves_reported_and_pay_per_lead_sales(buyer, supplier):
    fund(buyer, 1_000_00)
    pending = [
        purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpa")
        for _ in range(3)
    ]
    reported = purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpa")
    purchase_action_report(buyer=buyer, sale_id=reported.pk)
    purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
    later = pending[0].action_deadline + timedelta(days=1)

    assert purchase_actions_expire(now=later, batch=2) == 2
    assert purchase_actions_expire(now=later, batch=2) == 1
    assert purchase_actions_expire(now=later, batch=2) == 0

    statuses = sorted(Sale.objects.values_list("status", flat=True))
    assert statuses == ["action_expired"] * 3 + ["action_reported", "delivered"]
    assert_ledger_balanced()


def test_the_beat_task_expires_due_reserves(buyer, cpa_sale):
    Sale.objects.filter(pk=cpa_sale.pk).update(
        action_deadline=timezone.now() - timedelta(minutes=1)
    )

    assert expire_cpa_actions.delay().get() == 1
    assert expire_cpa_actions.delay().get() == 0

    assert Sale.objects.get(pk=cpa_sale.pk).status == SaleStatus.ACTION_EXPIRED
    assert balances(buyer)["reserved"] == 0
