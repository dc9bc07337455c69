"""Malformed, hostile and oversized input on every quality endpoint: a clear 4xx
in the error envelope and nothing stored."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import Sale
from quality.models import Dispute, Evidence, Return, ReturnStatus
from tests.quality.helpers import RETURNS_URL, returns_url, sale_make, stored_files
from tests.suppliers.helpers import assert_envelope

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _nothing_stored():
    assert not Return.objects.exists()
    assert not Evidence.objects.exists()


@pytest.fixture
def sale(buyer, supplier):
    return sale_make(buyer, supplier)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "not_a_reason"}, "reason"),
        ({}, "reason"),
        ({"reason": ["wrong_person"]}, "reason"),
        ({"reason": "wrong_person", "comment": "x" * 2001}, "comment"),
        ({"reason": "wrong_person", "comment": 12}, "comment"),
        ({"reason": "wrong_person", "evidence_note": {"a": 1}}, "evidence_note"),
        ({"reason": "wrong_person", "evidence_note": "y" * 4001}, "evidence_note"),
    ],
)
def test_bad_return_request_is_422(buyer_a, sale, body, field):
    response = buyer_a.api().post(returns_url(sale), body, format="json")

    error = assert_envelope(response, status=422, code="validation_failed")
    assert field in error["fields"]
    _nothing_stored()


def test_malformed_json_is_400(buyer_a, sale):
    response = buyer_a.api().post(
        returns_url(sale), b'{"reason": ', content_type="application/json"
    )
    assert_envelope(response, status=400)
    _nothing_stored()


def test_another_buyers_purchase_is_404(buyer_b, sale):
    response = buyer_b.api().post(returns_url(sale), {"reason": "wrong_person"}, format="json")
    assert_envelope(response, status=404)
    _nothing_stored()


@pytest.mark.parametrize("sale_id", ["not-a-uuid", str(uuid.uuid4()), "%00", "1" * 300])
def test_unknown_purchase_is_404(buyer_a, sale_id):
    response = buyer_a.api().post(
        f"/api/v1/purchases/{sale_id}/returns/", {"reason": "wrong_person"}, format="json"
    )
    assert response.status_code in (400, 404)  # a NUL in the path is refused earlier
    _nothing_stored()


def test_outside_the_window_is_409(buyer_a, sale):
    Sale.objects.filter(pk=sale.pk).update(return_deadline=timezone.now() - timedelta(seconds=1))

    response = buyer_a.api().post(returns_url(sale), {"reason": "wrong_person"}, format="json")

    assert_envelope(response, status=409, code="invalid_state")
    _nothing_stored()


def test_one_open_return_per_sale(buyer_a, sale):
    first = buyer_a.api().post(returns_url(sale), {"reason": "wrong_person"}, format="json")
    assert first.status_code == 201

    second = buyer_a.api().post(returns_url(sale), {"reason": "fake"}, format="json")

    assert_envelope(second, status=409)
    assert Return.objects.count() == 1


def _upload(buyer_a, sale, name, content, content_type="application/octet-stream"):
    return buyer_a.api().post(
        returns_url(sale),
        {
            "reason": "wrong_person",
            "comment": "see file",
            "evidence_file": SimpleUploadedFile(name, content, content_type=content_type),
        },
        format="multipart",
    )


def test_evidence_file_is_stored_with_the_return(buyer_a, sale, settings):
    before = set(stored_files())
    response = _upload(buyer_a, sale, "call.png", PNG, "image/png")

    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get()
    assert evidence.party == "buyer"
    assert evidence.file_name == "call.png"
    assert evidence.content_type == "image/png"
    assert evidence.size_bytes == len(PNG)
    assert evidence.file.read() == PNG
    assert set(stored_files()) - before == {evidence.file.name}
    assert response.json()["evidence"][0]["file_name"] == "call.png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("call.png", b"MZ\x90\x00 not a png"),  # a Windows program named .png
        ("call.exe", b"MZ\x90\x00"),
        ("notes.txt", b"\x00\x01\x02binary"),
        ("noextension", b"hello"),
        ("call.pdf", b""),
    ],
)
def test_bad_evidence_file_is_refused(buyer_a, sale, settings, name, content):
    before = set(stored_files())
    response = _upload(buyer_a, sale, name, content)

    error = assert_envelope(response, status=422, code="validation_failed")
    assert "evidence_file" in error["fields"]
    _nothing_stored()
    assert set(stored_files()) == before


def test_too_large_evidence_file_is_413(buyer_a, sale, settings):
    settings.QUALITY_EVIDENCE_MAX_BYTES = 1024

    response = _upload(buyer_a, sale, "big.pdf", b"%PDF-" + b"0" * 2000, "application/pdf")

    assert_envelope(response, status=413, code="too_large")
    _nothing_stored()


def test_evidence_file_is_removed_when_the_request_fails(buyer_a, sale, settings):
    Sale.objects.filter(pk=sale.pk).update(return_deadline=timezone.now() - timedelta(seconds=1))
    before = set(stored_files())

    response = _upload(buyer_a, sale, "call.png", PNG, "image/png")

    assert response.status_code == 409
    assert set(stored_files()) == before


def test_bad_contest_and_accept_input(buyer_a, supplier_a, sale):
    ret_id = (
        buyer_a.api()
        .post(returns_url(sale), {"reason": "wrong_person"}, format="json")
        .json()["id"]
    )
    contest = f"{RETURNS_URL}{ret_id}/contest/"

    assert_envelope(
        supplier_a.api().post(contest, {"comment": "z" * 5000}, format="json"), status=422
    )
    assert_envelope(supplier_a.api().post(contest, {"comment": ["a"]}, format="json"), status=422)
    assert_envelope(
        supplier_a.api().post(contest, {"comment": "a\x00b"}, format="json"), status=400
    )
    assert_envelope(
        supplier_a.api().post(f"{RETURNS_URL}nope/accept/", {}, format="json"), status=404
    )
    assert Return.objects.get(pk=ret_id).status == ReturnStatus.REQUESTED
    assert not Dispute.objects.exists()


def test_two_evidence_files_are_refused(buyer_a, sale):
    response = buyer_a.api().post(
        returns_url(sale),
        {
            "reason": "wrong_person",
            "evidence_file": [
                SimpleUploadedFile("a.png", PNG, content_type="image/png"),
                SimpleUploadedFile("b.png", PNG, content_type="image/png"),
            ],
        },
        format="multipart",
    )

    error = assert_envelope(response, status=422, code="validation_failed")
    assert "evidence_file" in error["fields"]
    _nothing_stored()
