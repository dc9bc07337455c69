"""Disputes: the moderators' decision through the API, once, even under contention."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from billing.models import Transaction
from marketplace.errors import Conflict
from quality.models import Dispute, ReturnStatus
from quality.services import dispute_resolve, return_contest, return_request
from tests.billing.helpers import assert_ledger_balanced, balances
from tests.quality.helpers import sale_make
from tests.suppliers.helpers import assert_envelope


def _dispute(buyer, supplier) -> Dispute:
    sale = sale_make(buyer, supplier)
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="fake", comment="Made up")
    return_contest(supplier=supplier, return_id=ret.pk, comment="It is real")
    return Dispute.objects.get(ret=ret)


def _url(dispute) -> str:
    return f"/api/v1/moderation/disputes/{dispute.pk}/resolve/"


@pytest.mark.django_db
def test_moderator_refunds_then_a_second_resolution_is_409(moderator, buyer, supplier):
    dispute = _dispute(buyer, supplier)
    before = balances(buyer)["available"]

    response = moderator.api().post(
        _url(dispute), {"decision": "refund", "note": "No consent found"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved"
    assert body["decision"] == "refund"
    assert body["return"]["status"] == "refunded"
    assert balances(buyer)["available"] == before + 1250
    again = moderator.api().post(_url(dispute), {"decision": "reject"}, format="json")
    assert_envelope(again, status=409, code="invalid_state")
    dispute.refresh_from_db()
    assert dispute.decision == "refund"
    assert dispute.resolved_by == moderator.user
    assert dispute.ret.events.filter(kind="refunded_by_moderator").count() == 1
    assert_ledger_balanced()


@pytest.mark.django_db
def test_moderator_rejects(moderator, buyer, supplier):
    dispute = _dispute(buyer, supplier)

    response = moderator.api().post(_url(dispute), {"decision": "reject"}, format="json")

    assert response.status_code == 200
    dispute.refresh_from_db()
    assert dispute.ret.status == ReturnStatus.REJECTED
    assert not Transaction.objects.filter(idempotency_key__endswith=":refund").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"decision": "maybe"},
        {"decision": ["refund"]},
        {"decision": "refund", "note": "n" * 3000},
    ],
)
def test_bad_resolution_is_422(moderator, buyer, supplier, body):
    dispute = _dispute(buyer, supplier)

    assert_envelope(moderator.api().post(_url(dispute), body, format="json"), status=422)
    dispute.refresh_from_db()
    assert dispute.status == "open"


@pytest.mark.django_db
def test_only_moderators_resolve(buyer_a, supplier_a, buyer, supplier):
    dispute = _dispute(buyer, supplier)

    for actor in (buyer_a, supplier_a):
        response = actor.api().post(_url(dispute), {"decision": "refund"}, format="json")
        assert_envelope(response, status=403)
    assert_envelope(
        APIClient().post(_url(dispute), {"decision": "refund"}, format="json"),
        status=401,
    )
    dispute.refresh_from_db()
    assert dispute.status == "open"


@pytest.mark.django_db
def test_unknown_dispute_is_404(moderator):
    response = moderator.api().post(
        "/api/v1/moderation/disputes/nope/resolve/", {"decision": "refund"}, format="json"
    )
    assert_envelope(response, status=404)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_resolutions_decide_once(transactional_db, moderator, buyer, supplier):
    dispute = _dispute(buyer, supplier)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def resolve(decision: str) -> None:
        try:
            barrier.wait()
            dispute_resolve(dispute_id=dispute.pk, moderator=moderator.user, decision=decision)
            outcomes.append(decision)
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve, args=(d,)) for d in ("refund", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes).count("conflict") == 1
    dispute.refresh_from_db()
    winner = next(o for o in outcomes if o != "conflict")
    assert dispute.decision == winner
    refunds = Transaction.objects.filter(idempotency_key__endswith=":refund").count()
    assert refunds == (1 if winner == "refund" else 0)
    assert_ledger_balanced()
