"""A catalog page costs a fixed number of queries, whatever its rows: suppliers and
segments come with the page's rows, never one query per row."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import OrganizationKind
from tests.factories import OrganizationFactory
from tests.marketplace.catalog.conftest import browse, hours_ago

pytestmark = pytest.mark.postgres

# The API key, the segments in scope, the page with its suppliers (one statement), and
# the capped count (its SET LOCAL in the same query string) unless the first page is the
# whole list (its rows are the count).
QUERIES_PER_PAGE = 4
QUERIES_PER_WHOLE_LIST = 3


def _queries(actor, **params) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        body = browse(actor, **params)
    assert body["results"]
    return [query["sql"] for query in queries.captured_queries]


def test_a_page_of_fifty_leads_from_fifty_suppliers_costs_what_one_lead_costs(
    buyer_a, make_lead, travel
):
    make_lead(created_at=hours_ago(100))
    browse(buyer_a)  # the key's first use records it (once a minute at most)
    one = _queries(buyer_a)

    for n in range(49):
        supplier = OrganizationFactory(kind=OrganizationKind.SUPPLIER, name=f"Supplier {n}")
        segment = {"segment": travel, "attributes": {"destination": "Crete"}} if n % 2 else {}
        make_lead(supplier=supplier, created_at=hours_ago(n), **segment)
    fifty = _queries(buyer_a)

    assert len(one) == len(fifty) == QUERIES_PER_WHOLE_LIST, fifty
    names = {item["supplier"]["name"] for item in browse(buyer_a)["results"]}
    assert len(names) == 50
    make_lead(created_at=hours_ago(200))  # a 51st: a next page, so the page counts
    assert len(_queries(buyer_a)) == QUERIES_PER_PAGE


def test_a_filtered_deep_page_costs_no_query_more_for_the_segment_filter(buyer_a, make_lead):
    for n in range(60):
        make_lead(created_at=hours_ago(n))
    first = browse(buyer_a, segment="loans", limit="50")
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]

    deep = _queries(buyer_a, segment="loans", limit="50", cursor=cursor)

    # The segments the filter was read against are the ones the query is built from, and
    # the count is the first page's, carried by the cursor: no count query.
    assert len(deep) == QUERIES_PER_PAGE - 1, deep
    assert not [sql for sql in deep if "count(*)" in sql]
