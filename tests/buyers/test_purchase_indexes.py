"""The indexes a purchase writes were trimmed (marketplace migration 0012, billing
migration 0006): what was dropped must still be served by an index, and the purchase
function must lock its lead by the primary key, not by a catalog index.

Plans, not timings: with sequential scans priced out of reach, each look-up must name
the index expected."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from buyers.services import purchase_create
from marketplace.models import AccessChannel
from tests.buyers.helpers import fund, make_lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ANY = str(uuid.uuid4())

# A look-up by a column whose own index was dropped, and the index that serves it now.
SERVED = [
    ("marketplace_sale", "lead_id = %s", "sale_one_per_buyer"),
    ("marketplace_sale", "supplier_id = %s", "sale_supplier_recent"),
    ("marketplace_personaldataaccess", "lead_id = %s", "access_lead_recent"),
    ("marketplace_personaldataaccess", "user_id = %s", "access_user"),
    ("marketplace_personaldataaccess", "api_key_id = %s", "access_api_key"),
    ("marketplace_saleevent", "actor_id = %s", "saleevent_actor"),
    ("marketplace_lead", "duplicate_of_id = %s", "lead_duplicate_of"),
    ("marketplace_lead", "duplicate_of_id = ANY(ARRAY[%s]::uuid[])", "lead_duplicate_of"),
]


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


@pytest.mark.parametrize(("table", "condition", "index"), SERVED)
def test_a_look_up_by_a_trimmed_column_still_uses_an_index(table, condition, index):
    plan = _plan(f"SELECT 1 FROM {table} WHERE {condition}", [ANY])

    assert f" {index} " in plan, plan


def test_the_buyer_s_sales_are_found_by_the_buyer_s_composite_indexes():
    plan = _plan("SELECT 1 FROM marketplace_sale WHERE buyer_id = %s", [ANY])

    assert "sale_buyer_recent_lead" in plan or "sale_buyer_segment_recent" in plan, plan


def test_the_supplier_s_leads_are_found_by_the_supplier_s_composite_indexes():
    plan = _plan("SELECT 1 FROM marketplace_lead WHERE supplier_id = %s", [ANY])

    assert "lead_supplier_recent" in plan or "lead_unique_external_id" in plan, plan


def test_the_purchase_function_locks_its_lead_by_the_primary_key(buyer, supplier):
    # given: purchases made, so the function's plans are cached (generic after five)
    fund(buyer, 100_00)
    for _ in range(6):
        purchase_create(
            buyer=buyer,
            lead_id=str(make_lead(supplier).pk),
            billing_model="cpl",
            reveal=AccessChannel.API,
        )
    lead = make_lead(supplier)
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_nested_statements = on",
            "client_min_messages = log",
        ):
            cursor.execute(f"SET LOCAL {setting}")
    notices = connection.connection.notices
    del notices[:]

    purchase_create(
        buyer=buyer, lead_id=str(lead.pk), billing_model="cpl", reveal=AccessChannel.API
    )

    lock = [notice for notice in notices if "FROM marketplace_lead on_sale" in notice]
    assert lock, notices
    assert "marketplace_lead_pkey on marketplace_lead on_sale" in lock[0], lock[0]
    assert "lead_catalog" not in lock[0], lock[0]
