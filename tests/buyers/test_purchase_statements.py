"""How many SQL statements a purchase costs: pinned, so a change that adds round trips
fails here (docs/performance.md, "Purchases", says why each one is there)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Entry, Transaction
from billing.models.payouts import EarningsHold
from buyers.services import purchase_create
from marketplace.models import AccessChannel, LeadStatus, PersonalDataAccess, Sale, SaleEvent
from tests.buyers.helpers import balances, fund, make_lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# The lead with its segment and supplier (one hand-written SELECT), then everything
# else in one call of the purchase's SQL function: the locks, the look-up, the lead's
# count, the sale, its event, the access-log row and the ledger (billing's function).
# Both are prepared once per connection: the first purchase on a connection sends
# their PREPAREs too.
# Outside a transaction the call is its own transaction: no BEGIN / COMMIT either.
STATEMENTS = [
    "EXECUTE buyers_lead_for_sale(",  # the lead, its segment and its supplier
    "EXECUTE buyers_purchase_call(",  # the rest: SELECT … FROM buyers_purchase(…)
]


def _starts(queries: CaptureQueriesContext) -> list[str]:
    return [" ".join(query["sql"].split()) for query in queries.captured_queries]


def _buy(buyer, lead, model: str = "cpl"):
    return purchase_create(
        buyer=buyer, lead_id=str(lead.pk), billing_model=model, reveal=AccessChannel.API
    )


def test_a_pay_per_lead_purchase_is_two_statements_with_no_savepoint(buyer, supplier):
    # given: one purchase made already, so the buyer's and supplier's accounts exist
    fund(buyer, 100_00)
    _buy(buyer, make_lead(supplier))
    lead = make_lead(supplier, price_cents=12_50, max_sales=2)

    with CaptureQueriesContext(connection) as queries:
        sale = _buy(buyer, lead)

    statements = _starts(queries)
    assert len(statements) == len(STATEMENTS), "\n".join(s[:80] for s in statements)
    for sql, start in zip(statements, STATEMENTS, strict=True):
        assert sql.startswith(start), (start, sql[:120])
    # and it stored everything a purchase stores
    assert (sale.lead.status, sale.lead.sales_count) == (LeadStatus.AVAILABLE, 1)
    assert Sale.objects.get(pk=sale.pk).price_cents == 12_50
    assert SaleEvent.objects.filter(sale=sale, kind="purchased").count() == 1
    assert PersonalDataAccess.objects.filter(sale=sale, channel=AccessChannel.API).count() == 1
    charge = Transaction.objects.get(idempotency_key=f"sale:{sale.pk}:charge")
    assert Entry.objects.filter(transaction=charge).count() == 3
    assert EarningsHold.objects.get(sale_id=str(sale.pk)).amount_cents == 10_00
    assert balances(buyer)["available"] == 100_00 - 12_50 - 12_50


def test_the_sale_answers_with_the_count_and_status_its_update_left(buyer, buyer_b, supplier):
    # given: a shared lead another buyer bought first
    fund(buyer, 100_00)
    fund(buyer_b.organization, 100_00)
    lead = make_lead(supplier, max_sales=2)
    _buy(buyer_b.organization, lead)

    sale = _buy(buyer, lead)

    lead.refresh_from_db()
    assert (sale.lead.status, sale.lead.sales_count) == (LeadStatus.SOLD_OUT, 2)
    assert (lead.status, lead.sales_count) == (LeadStatus.SOLD_OUT, 2)


def test_a_pay_per_action_purchase_is_the_same_two_statements(buyer, supplier):
    fund(buyer, 200_00)
    _buy(buyer, make_lead(supplier), model="cpa")
    lead = make_lead(supplier)

    with CaptureQueriesContext(connection) as queries:
        sale = _buy(buyer, lead, model="cpa")

    statements = _starts(queries)
    assert len(statements) == len(STATEMENTS), "\n".join(s[:80] for s in statements)
    for sql, start in zip(statements, STATEMENTS, strict=True):
        assert sql.startswith(start), (start, sql[:120])
    assert Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:reserve").exists()
    assert balances(buyer)["reserved"] == 2 * 60_00
