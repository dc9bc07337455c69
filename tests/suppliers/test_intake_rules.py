"""Intake rules: what is accepted, what is rejected (and still recorded), what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.crypto import blind_index
from marketplace.models import Lead, LeadStatus, Segment, Suppression
from tests.factories import lead_payload
from tests.suppliers.helpers import assert_envelope, lead_count, post_lead

pytestmark = pytest.mark.django_db


def _suppress(kind: str, value: str) -> None:
    Suppression.objects.create(blind_index=blind_index(kind, value), kind=kind, reason="opt-out")


# --- accepted -------------------------------------------------------------------


def test_valid_lead_is_stored_available_with_normalized_data(supplier_a):
    response = post_lead(supplier_a, lead_payload())

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "external_id",
        "status",
        "segment",
        "price",
        "cpa_price",
        "currency",
        "max_sales",
        "created_at",
    }
    assert body["status"] == "available"
    assert body["price"] == "12.50"
    assert body["cpa_price"] == "60.00"
    lead = Lead.objects.get()
    assert str(lead.pk) == body["id"]
    assert lead.supplier == supplier_a.organization
    assert lead.segment.slug == "loans"
    assert lead.phone == "+48601234567"
    assert lead.email == "anna.k@example.pl"
    assert lead.price_cents == 1250
    assert lead.cpa_price_cents == 6000
    assert lead.rejection_reasons == []
    assert lead.consent_ip == "203.0.113.5"
    assert lead.attributes == {"amount": 20000, "term_months": 24, "purpose": "car"}


def test_prices_default_to_the_segments_and_max_sales_to_one(supplier_a):
    payload = lead_payload()
    del payload["price"], payload["cpa_price"], payload["max_sales"]

    response = post_lead(supplier_a, payload)

    assert response.status_code == 201, response.content
    segment = Segment.objects.get(slug="loans")
    lead = Lead.objects.get()
    assert lead.price_cents == segment.default_price_cents
    assert lead.cpa_price_cents == segment.default_cpa_price_cents
    assert lead.max_sales == 1


def test_explicit_null_cpa_price_means_cpa_is_not_offered(supplier_a):
    response = post_lead(supplier_a, lead_payload(cpa_price=None))

    assert response.status_code == 201, response.content
    assert response.json()["cpa_price"] is None
    assert Lead.objects.get().cpa_price_cents is None


def test_email_only_and_phone_only_leads_are_accepted(supplier_a):
    assert post_lead(supplier_a, lead_payload(external_id="e", phone=None)).status_code == 201
    assert (
        post_lead(
            supplier_a, lead_payload(external_id="p", email=None, phone="+48 602 000 111")
        ).status_code
        == 201
    )
    assert Lead.objects.get(external_id="e").phone == ""
    assert Lead.objects.get(external_id="p").email == ""


# --- rejected, but recorded ----------------------------------------------------------


def test_duplicate_person_answers_409_and_is_recorded_as_rejected(supplier_a):
    first = post_lead(supplier_a, lead_payload(external_id="one"))
    assert first.status_code == 201

    response = post_lead(supplier_a, lead_payload(external_id="two"))

    error = assert_envelope(response, status=409, code="duplicate")
    assert error["reasons"] == ["duplicate"]
    rejected = Lead.objects.get(external_id="two")
    assert error["id"] == str(rejected.pk)
    assert rejected.status == LeadStatus.REJECTED
    assert rejected.rejection_reasons == ["duplicate"]
    assert str(rejected.duplicate_of_id) == first.json()["id"]


@pytest.mark.parametrize(
    ("kind", "value", "overrides"),
    [
        ("phone", "+48601234567", {}),
        ("email", "anna.k@example.pl", {}),
        ("email", "anna.k@example.pl", {"phone": None, "email": "ANNA.K@Example.PL"}),
    ],
)
def test_suppressed_person_is_rejected_with_reasons(supplier_a, kind, value, overrides):
    _suppress(kind, value)

    response = post_lead(supplier_a, lead_payload(**overrides))

    error = assert_envelope(response, status=422, code="rejected")
    assert error["reasons"] == ["suppressed"]
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.REJECTED
    assert lead.rejection_reasons == ["suppressed"]


@pytest.mark.parametrize(
    "consent",
    [
        None,
        {"text": "I agree to be contacted."},
        {"captured_at": "2026-11-20T10:00:00Z"},
        {"text": "   ", "captured_at": "2026-11-20T10:00:00Z"},
    ],
)
def test_lead_without_consent_is_rejected_and_recorded(supplier_a, consent):
    payload = lead_payload(consent=consent)
    if consent is None:
        del payload["consent"]

    response = post_lead(supplier_a, payload)

    error = assert_envelope(response, status=422, code="rejected")
    assert error["reasons"] == ["no_consent"]
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.REJECTED
    assert lead.rejection_reasons == ["no_consent"]


def test_several_reasons_are_all_given(supplier_a):
    post_lead(supplier_a, lead_payload(external_id="one"))
    _suppress("phone", "+48601234567")
    payload = lead_payload(external_id="two")
    del payload["consent"]

    response = post_lead(supplier_a, payload)

    error = assert_envelope(response, status=422, code="rejected")
    assert sorted(error["reasons"]) == ["duplicate", "no_consent", "suppressed"]
    assert sorted(Lead.objects.get(external_id="two").rejection_reasons) == [
        "duplicate",
        "no_consent",
        "suppressed",
    ]


def test_a_rejected_lead_does_not_make_later_ones_duplicates(supplier_a):
    payload = lead_payload(external_id="no-consent")
    del payload["consent"]
    assert post_lead(supplier_a, payload).status_code == 422

    response = post_lead(supplier_a, lead_payload(external_id="good"))

    assert response.status_code == 201, response.content


# --- dedup across suppliers and formats ----------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone": "601-234-567", "email": None},
        {"phone": "0048 601 234 567", "email": "someone.else@example.pl"},
        {"phone": None, "email": "ANNA.K@EXAMPLE.PL"},
        {"phone": "+48 602 000 999", "email": "Anna.K@example.pl"},
    ],
)
def test_same_person_from_another_supplier_is_a_duplicate(supplier_a, supplier_b, overrides):
    assert post_lead(supplier_a, lead_payload()).status_code == 201

    response = post_lead(supplier_b, lead_payload(**overrides))

    assert_envelope(response, status=409, code="duplicate")
    lead_b = Lead.objects.get(supplier=supplier_b.organization)
    assert lead_b.status == LeadStatus.REJECTED
    assert lead_b.rejection_reasons == ["duplicate"]


def test_same_person_in_another_segment_is_accepted(supplier_a, supplier_b):
    assert post_lead(supplier_a, lead_payload()).status_code == 201

    response = post_lead(
        supplier_b, lead_payload(segment="courses", attributes={"subject": "English"})
    )

    assert response.status_code == 201, response.content
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE).count() == 2


def test_same_person_outside_the_dedup_window_is_accepted(supplier_a, supplier_b):
    assert post_lead(supplier_a, lead_payload()).status_code == 201
    window = Segment.objects.get(slug="loans").dedup_window_days
    Lead.objects.update(created_at=timezone.now() - timedelta(days=window, minutes=1))

    response = post_lead(supplier_b, lead_payload())

    assert response.status_code == 201, response.content
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE).count() == 2


def test_same_person_just_inside_the_dedup_window_is_a_duplicate(supplier_a, supplier_b):
    assert post_lead(supplier_a, lead_payload()).status_code == 201
    window = Segment.objects.get(slug="loans").dedup_window_days
    Lead.objects.update(created_at=timezone.now() - timedelta(days=window) + timedelta(minutes=5))

    response = post_lead(supplier_b, lead_payload())

    assert_envelope(response, status=409, code="duplicate")


def test_different_person_is_not_a_duplicate(supplier_a, supplier_b):
    assert post_lead(supplier_a, lead_payload()).status_code == 201

    response = post_lead(
        supplier_b, lead_payload(phone="+48 602 111 222", email="jan.nowak@example.pl")
    )

    assert response.status_code == 201, response.content


# --- resending -------------------------------------------------------------------


def test_resending_the_same_external_id_answers_200_with_the_same_body(supplier_a):
    first = post_lead(supplier_a, lead_payload())
    assert first.status_code == 201

    again = post_lead(supplier_a, lead_payload())
    changed = post_lead(supplier_a, lead_payload(first_name="Someone", phone="+48 602 111 222"))

    assert again.status_code == 200
    assert again.json() == first.json()
    assert changed.status_code == 200
    assert changed.json() == first.json()
    assert lead_count() == 1
    assert Lead.objects.get().first_name == "Anna"


def test_resending_a_rejected_lead_gives_the_same_rejection_and_stores_nothing(supplier_a):
    payload = lead_payload()
    del payload["consent"]
    first = post_lead(supplier_a, payload)

    again = post_lead(supplier_a, payload)

    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
    assert lead_count() == 1


def test_external_ids_are_per_supplier(supplier_a, supplier_b):
    assert post_lead(supplier_a, lead_payload()).status_code == 201

    response = post_lead(
        supplier_b, lead_payload(phone="+48 602 111 222", email="jan.nowak@example.pl")
    )

    assert response.status_code == 201
    assert lead_count() == 2


def test_inactive_segment_is_unknown(supplier_a):
    Segment.objects.filter(slug="loans").update(is_active=False)

    response = post_lead(supplier_a, lead_payload())

    error = assert_envelope(response, status=422, code="validation_failed")
    assert "segment" in error["fields"]
    assert lead_count() == 0
