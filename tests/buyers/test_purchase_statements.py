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

# Inside the test's transaction the purchase's own transaction is a savepoint: the
# SAVEPOINT / RELEASE pair stands for BEGIN / COMMIT in production.
CPL_STATEMENTS = [
    "SAVEPOINT",  # BEGIN
    "SELECT",  # the lead with its segment and supplier
    "SELECT pg_advisory_xact_lock",  # buyer + lead, buyer + person
    "SELECT",  # bought this lead, or this person within the dedup window
    "UPDATE marketplace_lead",  # the conditional UPDATE … RETURNING the new count
    'WITH row0 AS (INSERT INTO "marketplace_sale"',  # the sale, its event and the access-log row
    "WITH line",  # lock the two accounts, check funds, move both balances
    "WITH posted AS ( INSERT",  # the transaction and its three entries
    'INSERT INTO "billing_earningshold"',  # the hold, ON CONFLICT DO NOTHING
    "RELEASE SAVEPOINT",  # COMMIT
]


def _starts(queries: CaptureQueriesContext) -> list[str]:
    return [" ".join(query["sql"].split()) for query in queries.captured_queries]


def _buy(buyer, lead, model: str = "cpl"):
    return purchase_create(
        buyer=buyer, lead_id=str(lead.pk), billing_model=model, reveal=AccessChannel.API
    )


def test_a_pay_per_lead_purchase_is_ten_statements_with_no_savepoint_of_its_own(buyer, supplier):
    # given: one purchase made already, so the buyer's and supplier's accounts exist
    fund(buyer, 100_00)
    _buy(buyer, make_lead(supplier))
    lead = make_lead(supplier, price_cents=12_50, max_sales=2)

    with CaptureQueriesContext(connection) as queries:
        sale = _buy(buyer, lead)

    statements = _starts(queries)
    assert len(statements) == len(CPL_STATEMENTS), "\n".join(s[:80] for s in statements)
    for sql, start in zip(statements, CPL_STATEMENTS, strict=True):
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


def test_a_pay_per_action_purchase_is_nine_statements(buyer, supplier):
    fund(buyer, 200_00)
    _buy(buyer, make_lead(supplier), model="cpa")
    lead = make_lead(supplier)

    with CaptureQueriesContext(connection) as queries:
        sale = _buy(buyer, lead, model="cpa")

    # the CPL list without the hold, and the reserve instead of the charge
    assert len(queries) == len(CPL_STATEMENTS) - 1, "\n".join(s[:80] for s in _starts(queries))
    assert Transaction.objects.filter(idempotency_key=f"sale:{sale.pk}:reserve").exists()
    assert balances(buyer)["reserved"] == 2 * 60_00
