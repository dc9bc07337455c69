"""POST /api/v1/leads/batch/: each lead judged exactly as a single one would be."""

from __future__ import annotations

import pytest

from marketplace.models import Lead, LeadStatus
from tests.factories import lead_payload
from tests.suppliers.helpers import BATCH_URL, post_lead

pytestmark = pytest.mark.django_db


def _batch(actor, leads: list) -> list[dict]:
    response = actor.api().post(BATCH_URL, {"leads": leads}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [result["index"] for result in results] == list(range(len(leads)))
    return results


def test_mixed_batch_judges_each_item_like_a_single_lead(supplier_a, supplier_b):
    assert post_lead(supplier_b, lead_payload(external_id="theirs")).status_code == 201
    no_consent = lead_payload(external_id="nc", phone="+48 602 000 333", email=None)
    del no_consent["consent"]
    leads = [
        lead_payload(external_id="good", phone="+48 602 000 111", email=None),
        lead_payload(external_id="dup"),  # supplier B already sent Anna
        lead_payload(external_id="bad", price="abc"),
        no_consent,
        lead_payload(external_id="good-2", phone=None, email="jan@example.pl"),
    ]

    results = _batch(supplier_a, leads)

    good, dup, bad, nc, good_2 = results
    assert good["status"] == "available"
    assert good["created"] is True
    assert "error" not in good
    assert dup["status"] == "rejected"
    assert dup["error"]["code"] == "duplicate"
    assert dup["error"]["reasons"] == ["duplicate"]
    assert bad["status"] == "invalid"
    assert bad["error"]["code"] == "validation_failed"
    assert "price" in bad["error"]["fields"]
    assert "id" not in bad
    assert nc["status"] == "rejected"
    assert nc["error"]["code"] == "rejected"
    assert nc["error"]["reasons"] == ["no_consent"]
    assert good_2["status"] == "available"

    stored = {
        lead.external_id: lead for lead in Lead.objects.filter(supplier=supplier_a.organization)
    }
    assert set(stored) == {"good", "dup", "nc", "good-2"}
    assert str(stored["good"].pk) == good["id"]
    assert str(stored["dup"].pk) == dup["id"]
    assert stored["dup"].status == LeadStatus.REJECTED
    assert stored["nc"].rejection_reasons == ["no_consent"]


def test_duplicates_inside_one_batch_are_caught(supplier_a):
    leads = [
        lead_payload(external_id="1"),
        lead_payload(external_id="2", phone="601-234-567", email=None),
        lead_payload(external_id="3", phone=None, email="ANNA.K@EXAMPLE.PL"),
    ]

    results = _batch(supplier_a, leads)

    assert [r["status"] for r in results] == ["available", "rejected", "rejected"]
    assert results[1]["error"]["code"] == results[2]["error"]["code"] == "duplicate"
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE).count() == 1
    assert Lead.objects.filter(status=LeadStatus.REJECTED).count() == 2


def test_same_external_id_twice_in_one_batch_is_stored_once(supplier_a):
    results = _batch(supplier_a, [lead_payload(), lead_payload()])

    assert results[0]["created"] is True
    assert results[1]["created"] is False
    assert results[0]["id"] == results[1]["id"]
    assert Lead.objects.count() == 1


def test_resending_a_batch_stores_nothing_new(supplier_a):
    leads = [
        lead_payload(external_id=f"r{i}", phone=f"+48 602 000 {100 + i}", email=None)
        for i in range(5)
    ]
    first = _batch(supplier_a, leads)

    again = _batch(supplier_a, leads)

    assert [r["id"] for r in again] == [r["id"] for r in first]
    assert all(r["created"] is False for r in again)
    assert Lead.objects.count() == 5


def test_batch_of_1000_is_accepted(supplier_a):
    leads = [
        lead_payload(external_id=f"n{i}", phone=None, email=f"person{i}@example.pl")
        for i in range(1000)
    ]

    results = _batch(supplier_a, leads)

    assert len(results) == 1000
    assert {r["status"] for r in results} == {"available"}
    assert Lead.objects.count() == 1000
