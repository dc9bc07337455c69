"""PATCH /api/v1/purchases/{id}/: the buyer's outcome tracking and its transitions."""

from __future__ import annotations

import pytest

from buyers.services import purchase_create, purchase_outcome_set
from buyers.services.outcomes import TRANSITIONS
from marketplace.errors import Conflict
from marketplace.models import Outcome, Sale, SaleEvent, SaleStatus
from tests.buyers.helpers import fund, make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(buyer, supplier):
    fund(buyer, 100_00)
    return purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")


def patch(actor, sale, body):
    return actor.api().patch(f"/api/v1/purchases/{sale.pk}/", body, format="json")


def test_outcome_moves_along_the_funnel_with_an_event_each(buyer_a, sale):
    for outcome in ("contacted", "qualified"):
        response = patch(buyer_a, sale, {"outcome": outcome})
        assert response.status_code == 200, response.json()
        assert response.json()["outcome"] == outcome

    sale.refresh_from_db()
    assert sale.outcome == Outcome.QUALIFIED
    assert sale.outcome_updated_at is not None
    events = SaleEvent.objects.filter(sale=sale, kind="outcome").order_by("created_at")
    assert [(e.data["from"], e.data["to"]) for e in events] == [
        ("new", "contacted"),
        ("contacted", "qualified"),
    ]


def test_refused_needs_a_reason_and_keeps_it(buyer_a, sale):
    missing = patch(buyer_a, sale, {"outcome": "refused"})
    blank = patch(buyer_a, sale, {"outcome": "refused", "outcome_reason": "   "})
    given = patch(buyer_a, sale, {"outcome": "refused", "outcome_reason": "Has a loan already"})

    assert missing.status_code == blank.status_code == 422
    assert "outcome_reason" in missing.json()["error"]["fields"]
    assert given.status_code == 200
    sale.refresh_from_db()
    assert (sale.outcome, sale.outcome_reason) == (Outcome.REFUSED, "Has a loan already")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (start, target)
        for start in Outcome.values
        for target in ("contacted", "qualified", "unreachable", "refused")
    ],
)
def test_only_the_defined_transitions_are_allowed(buyer, sale, start, target):
    Sale.objects.filter(pk=sale.pk).update(outcome=start)
    allowed = target in TRANSITIONS[start]

    if allowed:
        purchase_outcome_set(buyer=buyer, sale_id=sale.pk, outcome=target, reason="why")
        assert Sale.objects.get(pk=sale.pk).outcome == target
    else:
        with pytest.raises(Conflict):
            purchase_outcome_set(buyer=buyer, sale_id=sale.pk, outcome=target, reason="why")
        assert Sale.objects.get(pk=sale.pk).outcome == start
        assert not SaleEvent.objects.filter(kind="outcome").exists()


def test_a_disallowed_transition_is_409_invalid_state(buyer_a, sale):
    patch(buyer_a, sale, {"outcome": "refused", "outcome_reason": "no"})

    response = patch(buyer_a, sale, {"outcome": "contacted"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_a_returned_purchase_has_no_more_outcomes(buyer_a, sale):
    Sale.objects.filter(pk=sale.pk).update(status=SaleStatus.RETURNED)

    response = patch(buyer_a, sale, {"outcome": "contacted"})

    assert response.status_code == 409
    assert Sale.objects.get(pk=sale.pk).outcome == Outcome.NEW


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"outcome": "converted"},
        {"outcome": "won"},
        {"outcome": None},
        {"outcome": ["contacted"]},
        {"outcome": "refused", "outcome_reason": "x" * 501},
        {"outcome": "contacted", "outcome_reason": {"a": 1}},
        ["contacted"],
    ],
)
def test_bad_outcome_bodies_are_422_and_change_nothing(buyer_a, sale, body):
    response = patch(buyer_a, sale, body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"
    assert Sale.objects.get(pk=sale.pk).outcome == Outcome.NEW
    assert not SaleEvent.objects.filter(kind="outcome").exists()


def test_malformed_json_patch_is_400(buyer_a, sale):
    response = buyer_a.api().patch(
        f"/api/v1/purchases/{sale.pk}/", b'{"outcome":', content_type="application/json"
    )

    assert response.status_code == 400
    assert Sale.objects.get(pk=sale.pk).outcome == Outcome.NEW
