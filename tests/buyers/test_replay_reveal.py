"""A replayed answer (same Idempotency-Key) shows the lead's personal data again, so
the access log records the replay's reveal as it recorded the first one."""

from __future__ import annotations

import pytest

from marketplace.models import AccessChannel, PersonalDataAccess, Sale
from tests.buyers.helpers import fund, make_lead
from tests.buyers.test_purchase import buy

pytestmark = pytest.mark.django_db


def test_a_replayed_purchase_logs_its_reveal_again(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier)

    first = buy(buyer_a, lead.pk, HTTP_IDEMPOTENCY_KEY="buy-replay")
    second = buy(buyer_a, lead.pk, HTTP_IDEMPOTENCY_KEY="buy-replay")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["lead"]["phone"]
    sale = Sale.objects.get()
    rows = list(PersonalDataAccess.objects.filter(sale=sale).order_by("created_at"))
    assert len(rows) == 2
    assert {(row.lead_id, row.organization_id, row.channel) for row in rows} == {
        (lead.pk, buyer.pk, AccessChannel.API)
    }
    assert all(row.api_key_id is not None for row in rows)


def test_a_replayed_refusal_logs_nothing(buyer_a, buyer, supplier):
    lead = make_lead(supplier)  # the wallet is empty: 402

    first = buy(buyer_a, lead.pk, HTTP_IDEMPOTENCY_KEY="buy-broke")
    second = buy(buyer_a, lead.pk, HTTP_IDEMPOTENCY_KEY="buy-broke")

    assert (first.status_code, second.status_code) == (402, 402)
    assert second["Idempotent-Replayed"] == "true"
    assert not PersonalDataAccess.objects.exists()


def test_a_replayed_action_report_logs_its_reveal_again(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, cpa_price_cents=60_00)
    bought = buy(buyer_a, lead.pk, {"billing_model": "cpa"})
    url = f"/api/v1/purchases/{bought.json()['id']}/actions/"
    before = PersonalDataAccess.objects.count()

    for _ in range(2):
        response = buyer_a.api().post(
            url, {"type": "converted"}, format="json", HTTP_IDEMPOTENCY_KEY="act-1"
        )
        assert response.status_code == 200

    assert response["Idempotent-Replayed"] == "true"
    assert PersonalDataAccess.objects.count() == before + 2
