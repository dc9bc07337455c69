"""Returns through the API: the request, each objective check, the supplier's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Transaction
from marketplace.models import Lead, Sale, SaleEvent, SaleStatus
from quality.models import Dispute, Evidence, Return, ReturnEvent, ReturnStatus
from tests.billing.helpers import assert_ledger_balanced, balances
from tests.quality.helpers import RETURNS_URL, lead_make, returns_url, sale_make
from tests.suppliers.helpers import assert_envelope

pytestmark = pytest.mark.django_db


def _request(actor, sale, **body):
    return actor.api().post(returns_url(sale), {"reason": "wrong_person", **body}, format="json")


def test_a_subjective_return_waits_for_the_supplier(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    before = balances(buyer)

    response = _request(buyer_a, sale, comment="Says he never filled a form")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["reason"] == "wrong_person"
    ret = Return.objects.get(pk=body["id"])
    assert ret.supplier_id == supplier.pk
    assert ret.buyer_id == buyer.pk
    expected = ret.created_at + timedelta(hours=48)
    assert abs((ret.respond_by - expected).total_seconds()) < 1
    assert list(ret.events.values_list("kind", flat=True)) == ["requested"]
    assert balances(buyer) == before  # nothing moves before a decision
    sale.refresh_from_db()
    assert sale.status == SaleStatus.DELIVERED


def test_invalid_phone_confirmed_is_accepted_at_once(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    Lead.objects.filter(pk=sale.lead_id).update(phone="+48 123")  # no longer a valid number
    Lead.objects.get(pk=sale.lead_id)  # decrypts

    response = _request(buyer_a, sale, reason="invalid_phone")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["check"]["confirmed"] is True
    sale.refresh_from_db()
    assert sale.status == SaleStatus.RETURNED
    assert Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:refund").exists()
    assert_ledger_balanced()


def test_invalid_phone_not_confirmed_goes_to_the_supplier(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)

    body = _request(buyer_a, sale, reason="invalid_phone").json()

    assert body["status"] == "requested"
    assert body["check"] == {
        "checked": True,
        "confirmed": False,
        "detail": "The phone number is a valid number.",
    }
    assert not Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:refund").exists()


def test_duplicate_confirmed_when_the_person_was_sold_to_the_buyer_before(
    buyer_a, buyer, supplier, supplier_b
):
    first = sale_make(buyer, supplier, purchased_at=timezone.now() - timedelta(days=2))
    # Another supplier sends the same person; the buyer is sold it again.
    again = lead_make(supplier_b.organization, email="someone.else@example.pl")
    Lead.objects.filter(pk=again.pk).update(phone_index=first.phone_index)
    again.refresh_from_db()
    second = sale_make(buyer, supplier_b.organization, lead=again)

    body = _request(buyer_a, second, reason="duplicate").json()

    assert body["status"] == "accepted", body
    assert str(first.pk) in body["check"]["detail"]


def test_duplicate_not_confirmed_for_a_new_person(buyer_a, buyer, supplier):
    sale_make(buyer, supplier)
    sale = sale_make(buyer, supplier)

    assert _request(buyer_a, sale, reason="duplicate").json()["status"] == "requested"


def test_region_mismatch_confirmed_when_the_phone_is_from_another_country(buyer_a, buyer, supplier):
    lead = lead_make(supplier)
    Lead.objects.filter(pk=lead.pk).update(phone="+40 721 234 567")  # a Romanian mobile
    sale = sale_make(buyer, supplier, lead=Lead.objects.get(pk=lead.pk))

    body = _request(buyer_a, sale, reason="outside_region").json()

    assert body["status"] == "accepted"
    assert "RO" in body["check"]["detail"]


def test_region_mismatch_confirmed_when_the_region_is_outside_the_country(buyer_a, buyer, supplier):
    lead = lead_make(supplier)
    Lead.objects.filter(pk=lead.pk).update(region="DE-BY")
    sale = sale_make(buyer, supplier, lead=Lead.objects.get(pk=lead.pk))

    assert _request(buyer_a, sale, reason="outside_region").json()["status"] == "accepted"


def test_region_matching_is_not_confirmed(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)

    assert _request(buyer_a, sale, reason="outside_region").json()["status"] == "requested"


def test_consent_missing_confirmed(buyer_a, buyer, supplier):
    lead = lead_make(supplier)
    Lead.objects.filter(pk=lead.pk).update(consent_text="")
    sale = sale_make(buyer, supplier, lead=Lead.objects.get(pk=lead.pk))

    assert _request(buyer_a, sale, reason="no_consent").json()["status"] == "accepted"


def test_consent_dated_after_the_lead_arrived_is_missing(buyer_a, buyer, supplier):
    lead = lead_make(supplier)
    Lead.objects.filter(pk=lead.pk).update(consent_captured_at=lead.created_at + timedelta(days=1))
    sale = sale_make(buyer, supplier, lead=Lead.objects.get(pk=lead.pk))

    assert _request(buyer_a, sale, reason="no_consent").json()["status"] == "accepted"


def test_consent_recorded_is_not_confirmed(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)

    assert _request(buyer_a, sale, reason="no_consent").json()["status"] == "requested"


# --- the supplier's answer ---------------------------------------------------------------


def test_supplier_accepts_and_the_buyer_is_refunded(buyer_a, supplier_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret_id = _request(buyer_a, sale).json()["id"]
    paid = balances(buyer)["available"]

    response = supplier_a.api().post(f"{RETURNS_URL}{ret_id}/accept/", {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert balances(buyer)["available"] == paid + sale.price_cents
    ret = Return.objects.get(pk=ret_id)
    assert ret.decided_by == "supplier"
    assert ret.decided_at is not None
    assert SaleEvent.objects.filter(sale=sale, kind="returned", to_status="returned").count() == 1
    again = supplier_a.api().post(f"{RETURNS_URL}{ret_id}/accept/", {}, format="json")
    assert_envelope(again, status=409, code="invalid_state")
    assert (
        Transaction.objects.filter(idempotency_key__startswith=f"sale:{sale.pk}:refund").count()
        == 1
    )


def test_supplier_contests_into_a_dispute(buyer_a, supplier_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret_id = _request(buyer_a, sale).json()["id"]

    response = supplier_a.api().post(
        f"{RETURNS_URL}{ret_id}/contest/",
        {"comment": "We called her, she confirmed", "evidence_note": "Call 12:03, 4 min"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "disputed"
    dispute = Dispute.objects.get(ret_id=ret_id)
    assert dispute.status == "open"
    assert dispute.cause == "contested"
    assert Evidence.objects.get(ret_id=ret_id).party == "supplier"
    assert Return.objects.get(pk=ret_id).supplier_comment == "We called her, she confirmed"
    assert list(ReturnEvent.objects.filter(ret_id=ret_id).values_list("kind", flat=True)) == [
        "requested",
        "contested",
    ]
    # A contested return cannot be accepted by the clock any more.
    sale.refresh_from_db()
    assert sale.status == SaleStatus.DELIVERED


def test_contest_after_respond_by_is_refused(buyer_a, supplier_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret_id = _request(buyer_a, sale).json()["id"]
    Return.objects.filter(pk=ret_id).update(respond_by=timezone.now() - timedelta(minutes=1))

    response = supplier_a.api().post(
        f"{RETURNS_URL}{ret_id}/contest/", {"comment": "Too late"}, format="json"
    )

    assert_envelope(response, status=409)
    assert not Dispute.objects.exists()


def test_contest_needs_a_comment(buyer_a, supplier_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret_id = _request(buyer_a, sale).json()["id"]

    response = supplier_a.api().post(f"{RETURNS_URL}{ret_id}/contest/", {}, format="json")

    error = assert_envelope(response, status=422, code="validation_failed")
    assert "comment" in error["fields"]
    assert Return.objects.get(pk=ret_id).status == ReturnStatus.REQUESTED


def test_another_supplier_cannot_answer(buyer_a, supplier_b, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret_id = _request(buyer_a, sale).json()["id"]

    for action in ("accept", "contest"):
        response = supplier_b.api().post(
            f"{RETURNS_URL}{ret_id}/{action}/", {"comment": "mine"}, format="json"
        )
        assert_envelope(response, status=404)
    assert Return.objects.get(pk=ret_id).status == ReturnStatus.REQUESTED


def test_return_list_for_each_side(buyer_a, buyer_b, supplier_a, supplier_b, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret_id = _request(buyer_a, sale).json()["id"]

    def ids(actor, query=""):
        response = actor.api().get(RETURNS_URL + query)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids(buyer_a) == [ret_id]
    assert ids(supplier_a) == [ret_id]
    assert ids(supplier_a, "?status=requested") == [ret_id]
    assert ids(supplier_a, "?status=accepted") == []
    assert ids(buyer_b) == []
    assert ids(supplier_b) == []
    assert_envelope(supplier_a.api().get(RETURNS_URL + "?status=nope"), status=422)


def test_sale_status_unchanged_by_a_rejected_request(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    _request(buyer_a, sale, reason="nonsense")
    assert Sale.objects.get(pk=sale.pk).status == SaleStatus.DELIVERED


def test_supplier_lead_list_counts_returns(buyer_a, supplier_a, buyer, supplier):
    returned = sale_make(buyer, supplier)
    kept = sale_make(buyer, supplier)
    _request(buyer_a, returned, comment="bad")
    ret = Return.objects.get(sale=returned)
    supplier_a.api().post(f"{RETURNS_URL}{ret.pk}/accept/", {}, format="json")

    results = supplier_a.api().get("/api/v1/leads/").json()["results"]

    counts = {item["id"]: item["returns"] for item in results}
    assert counts[str(returned.lead_id)] == 1
    assert counts[str(kept.lead_id)] == 0


def test_a_browser_session_records_who_asked(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)

    response = buyer_a.browser().post(returns_url(sale), {"reason": "fake"}, format="json")

    assert response.status_code == 201
    ret = Return.objects.get(pk=response.json()["id"])
    assert ret.requested_by == buyer_a.user
    assert ret.events.get(kind="requested").actor == buyer_a.user
