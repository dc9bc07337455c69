"""The count a cursor carries: the first page counts, deeper pages of the same list
for the same buyer answer that count without counting again; other filters, another
buyer, a tampered or an old cursor count again; a malformed one is a 422. A first page
that holds the whole list is its own count."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace import catalog_cursor
from marketplace.catalog_cursor import catalog_scope, cursor_decode, cursor_encode
from marketplace.selectors.catalog import CatalogCount, CatalogPosition
from tests.marketplace.catalog.conftest import CATALOG_URL, browse, hours_ago

pytestmark = pytest.mark.django_db

POSITION = CatalogPosition(
    created_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    id=uuid.UUID("01a23cd8-6270-7d2d-aec9-7280c00200c1"),
)


def _cursor(body: dict) -> str:
    return parse_qs(urlsplit(body["next"]).query)["cursor"][0]


def _decoded(cursor: str) -> list[str]:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")


def _encoded(parts: list[str]) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def _counted(actor, **params) -> tuple[dict, bool]:
    """The page, and whether answering it ran the count's query."""
    with CaptureQueriesContext(connection) as queries:
        body = browse(actor, **params)
    return body, any("count(*)" in query["sql"] for query in queries.captured_queries)


@pytest.fixture
def sixty(make_lead):
    for n in range(60):
        make_lead(created_at=hours_ago(n + 1))


def test_a_deeper_page_answers_the_first_page_s_count_without_counting(buyer_a, make_lead, sixty):
    first, counted_first = _counted(buyer_a, limit="25")
    make_lead(created_at=hours_ago(0.5))  # the list changes meanwhile

    second, counted_second = _counted(buyer_a, limit="25", cursor=_cursor(first))
    third, counted_third = _counted(buyer_a, limit="25", cursor=_cursor(second))

    assert counted_first
    assert not counted_second
    assert not counted_third
    assert first["count"] == second["count"] == third["count"] == 60
    assert second["count_exact"] is True
    assert len(first["results"]) + len(second["results"]) + len(third["results"]) == 60


def test_other_filters_with_the_cursor_count_again(buyer_a, make_lead, sixty, travel):
    make_lead(segment=travel, created_at=hours_ago(0.5))
    first = browse(buyer_a, limit="25")

    body, counted = _counted(buyer_a, limit="25", segment="loans", cursor=_cursor(first))

    assert counted
    assert body["count"] == 60
    assert first["count"] == 61


def test_another_buyer_with_the_cursor_counts_again(buyer_a, buyer_b, sixty):
    first = browse(buyer_a, limit="25")

    _body, counted = _counted(buyer_b, limit="25", cursor=_cursor(first))

    assert counted


def test_a_count_older_than_the_carry_limit_is_counted_again(buyer_a, sixty, monkeypatch):
    first = browse(buyer_a, limit="25")
    monkeypatch.setattr(catalog_cursor, "COUNT_CARRY_SECONDS", -1)

    body, counted = _counted(buyer_a, limit="25", cursor=_cursor(first))

    assert counted
    assert body["count"] == 60


def test_a_forged_count_is_not_believed(buyer_a, sixty):
    parts = _decoded(_cursor(browse(buyer_a, limit="25")))
    parts[2] = "7"  # the count, with the seal made for 60

    body, counted = _counted(buyer_a, limit="25", cursor=_encoded(parts))

    assert counted
    assert body["count"] == 60


@pytest.mark.parametrize(
    "tail",
    [
        ["x", "1", "1", "seal"],
        ["60", "2", "1", "seal"],
        ["60", "1", "-5", "seal"],
        ["9" * 13, "1", "1", "seal"],
        ["٦٠", "1", "1", "seal"],  # Arabic-Indic digits: isdigit() but not ASCII
        ["60", "1"],
        ["60", "1", "1", "seal", "extra"],
    ],
)
def test_a_malformed_carried_count_is_a_422(buyer_a, sixty, tail):
    parts = _decoded(_cursor(browse(buyer_a, limit="25")))[:2] + tail

    response = buyer_a.api().get(CATALOG_URL, {"limit": "25", "cursor": _encoded(parts)})

    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"]["cursor"]


def test_a_cursor_of_a_position_only_still_pages(buyer_a, sixty):
    first = browse(buyer_a, limit="25")
    position_only = _encoded(_decoded(_cursor(first))[:2])

    body, counted = _counted(buyer_a, limit="25", cursor=position_only)

    assert counted
    assert body["count"] == 60
    assert body["results"][0]["id"] not in {item["id"] for item in first["results"]}
    assert _decoded(_cursor(body))[2] == "60"  # and its next link carries the count


def test_the_buyer_page_carries_the_count_in_its_next_link(buyer_a, sixty):
    client = buyer_a.browser()
    url = "/marketplace/"
    first = client.get(url, {"limit": "25"})
    next_link = first.context["next_query"]

    with CaptureQueriesContext(connection) as queries:
        second = client.get(f"{url}?{next_link}")

    assert second.status_code == 200
    assert second.context["count"] == first.context["count"]
    assert not [query for query in queries.captured_queries if "count(*)" in query["sql"]]


def test_encode_and_decode_round_trip_only_for_the_same_scope():
    scope = catalog_scope({"segment": "loans"}, "buyer-1")
    cursor = cursor_encode(
        POSITION, count=CatalogCount(12_345, False), counted_at=1_000, scope=scope
    )

    same = cursor_decode({"cursor": cursor, "segment": "loans"}, buyer_id="buyer-1", now=1_100)
    other = cursor_decode({"cursor": cursor, "segment": "travel"}, buyer_id="buyer-1", now=1_100)

    assert same.position == other.position == POSITION
    assert same.count == CatalogCount(12_345, False)
    assert same.counted_at == 1_000
    assert other.count is None
    early = cursor_decode({"cursor": cursor, "segment": "loans"}, buyer_id="buyer-1", now=900)
    assert early.count is None  # from the future


@pytest.mark.parametrize("leads", [0, 7, 25])
def test_a_first_page_that_holds_the_whole_list_is_its_own_count(buyer_a, make_lead, leads):
    for n in range(leads):
        make_lead(created_at=hours_ago(n + 1))

    body, counted = _counted(buyer_a, limit="25")

    assert not counted
    assert (body["count"], body["count_exact"], body["next"]) == (leads, True, None)
    assert len(body["results"]) == leads


def test_the_last_page_reached_by_a_position_only_cursor_still_counts(buyer_a, sixty):
    second = browse(buyer_a, limit="25", cursor=_cursor(browse(buyer_a, limit="25")))
    position_only = _encoded(_decoded(_cursor(second))[:2])

    last, counted = _counted(buyer_a, limit="25", cursor=position_only)

    assert counted
    assert last["next"] is None
    assert (len(last["results"]), last["count"]) == (10, 60)
