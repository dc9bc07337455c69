"""GET /api/v1/purchases/export.csv: UTF-8 with BOM, spreadsheet formulas
defused, streamed in batches, each reveal logged."""

from __future__ import annotations

import csv
import io

import pytest

from buyers import exports
from buyers.services import purchase_create
from marketplace.models import AccessChannel, PersonalDataAccess
from tests.buyers.helpers import fund, make_lead

pytestmark = pytest.mark.django_db

URL = "/api/v1/purchases/export.csv"


def download(actor, query: str = "") -> tuple[bytes, list[list[str]]]:
    response = actor.api().get(URL + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_has_a_bom_and_keeps_cyrillic(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier, first_name="Ольга", city="Москва")
    purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")

    raw, rows = download(buyer_a)

    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == exports.HEADER
    (row,) = rows[1:]
    record = dict(zip(rows[0], row, strict=True))
    assert record["first_name"] == "Ольга"
    assert record["city"] == "Москва"
    assert record["price"] == "12.50"
    assert record["phone"] == "'" + lead.phone  # "+48..." would be read as a formula


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_starting_like_a_formula_get_an_apostrophe(buyer_a, buyer, supplier, dangerous):
    fund(buyer, 100_00)
    lead = make_lead(supplier, first_name=dangerous, city=dangerous)
    purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")

    _, rows = download(buyer_a)

    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["first_name"] == "'" + dangerous
    assert record["city"] == "'" + dangerous


def test_export_streams_every_purchase_once_in_batches_and_logs_each(
    buyer_a, buyer, supplier, monkeypatch
):
    monkeypatch.setattr(exports, "BATCH", 2)
    fund(buyer, 1_000_00)
    sales = [
        purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
        for _ in range(5)
    ]

    response = buyer_a.api().get(URL)
    chunks = list(response.streaming_content)

    assert len(chunks) == 1 + 3  # the header, then batches of 2, 2 and 1
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))[1:]
    assert [row[0] for row in rows] == [str(s.pk) for s in reversed(sales)]
    accesses = PersonalDataAccess.objects.filter(channel=AccessChannel.EXPORT)
    assert sorted(str(a.sale_id) for a in accesses) == sorted(str(s.pk) for s in sales)
    assert {a.organization_id for a in accesses} == {buyer.pk}


def test_export_follows_the_list_filters(buyer_a, buyer, supplier):
    fund(buyer, 1_000_00)
    cpl = purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
    purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpa")

    _, rows = download(buyer_a, "?billing_model=cpl")

    assert [row[0] for row in rows[1:]] == [str(cpl.pk)]


def test_export_with_a_bad_filter_is_422(buyer_a):
    response = buyer_a.api().get(URL + "?status=everything")

    assert response.status_code == 422
    assert "status" in response.json()["error"]["fields"]
    assert not PersonalDataAccess.objects.exists()
