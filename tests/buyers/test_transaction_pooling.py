"""Behind a transaction-pooling proxy (``DATABASE_TRANSACTION_POOLING``) a purchase
prepares nothing: each statement is sent whole, with the same parameters, and buys
the same way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Transaction
from buyers.services import purchase_create
from marketplace.models import AccessChannel, LeadStatus, Sale
from marketplace.sql import inline_placeholders
from tests.buyers.helpers import balances, fund, make_lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def pooled(settings):
    settings.DATABASE_TRANSACTION_POOLING = True


@pytest.mark.parametrize("model", ["cpl", "cpa"])
def test_a_purchase_through_a_pooler_prepares_nothing_and_buys(pooled, buyer, supplier, model):
    # given: one purchase made already, so the accounts exist and the one-call path runs
    price = {"cpl": 12_50, "cpa": 60_00}[model]  # make_lead's prices
    fund(buyer, 200_00)
    purchase_create(
        buyer=buyer,
        lead_id=str(make_lead(supplier).pk),
        billing_model=model,
        reveal=AccessChannel.API,
    )
    lead = make_lead(supplier)

    with CaptureQueriesContext(connection) as queries:
        sale = purchase_create(
            buyer=buyer, lead_id=str(lead.pk), billing_model=model, reveal=AccessChannel.API
        )

    sent = [query["sql"] for query in queries.captured_queries]
    assert len(sent) == 2, sent
    assert not [sql for sql in sent if "PREPARE" in sql or "EXECUTE" in sql], sent
    assert "FROM buyers_purchase(" in sent[1]
    assert (sale.lead.status, sale.lead.sales_count) == (LeadStatus.SOLD_OUT, 1)
    assert Sale.objects.get(pk=sale.pk).price_cents == price
    kind = "charge" if model == "cpl" else "reserve"
    assert Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:{kind}").exists()
    assert balances(buyer)["available"] == 200_00 - 2 * price


def test_placeholders_become_the_drivers_in_the_order_they_appear():
    sql, params = inline_placeholders(
        "SELECT $2::int, $1::text, $2::int, 'a%b' LIKE 'a%'", ["one", 2]
    )

    assert sql == "SELECT %s::int, %s::text, %s::int, 'a%%b' LIKE 'a%%'"
    assert params == [2, "one", 2]
