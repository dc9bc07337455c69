"""The returns flow answers its errors in the language the client asks for."""

from __future__ import annotations

import pytest

from quality.models import Return, ReturnStatus
from tests.quality.helpers import RETURNS_URL, returns_url, sale_make
from tests.suppliers.helpers import assert_envelope

pytestmark = pytest.mark.django_db


def _request(actor, sale, language: str | None = None, **body):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return actor.api().post(
        returns_url(sale), {"reason": "wrong_person", **body}, format="json", **headers
    )


def test_unknown_return_reason_is_refused_in_polish(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)

    response = _request(buyer_a, sale, "pl", reason="bored")

    error = assert_envelope(response, status=422, code="validation_failed")
    assert error["message"] == "To nie jest powód zwrotu w tym segmencie."
    assert error["fields"]["reason"][0].startswith("Jedno z: ")
    assert not Return.objects.exists()


def test_the_same_error_without_a_language_is_english(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)

    error = assert_envelope(_request(buyer_a, sale, reason="bored"), status=422)

    assert error["message"] == "Not a return reason of this segment."
    assert error["fields"]["reason"][0].startswith("One of: ")


def test_second_open_return_conflict_in_polish(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    assert _request(buyer_a, sale).status_code == 201

    response = _request(buyer_a, sale, "pl-PL,pl;q=0.9,en;q=0.5")

    error = assert_envelope(response, status=409)
    assert error["message"] == "Ten zakup ma już otwarty zwrot."
    assert Return.objects.filter(sale=sale).count() == 1


def test_contest_without_a_comment_names_the_field_in_polish(buyer_a, supplier_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret_id = _request(buyer_a, sale).json()["id"]

    response = supplier_a.api().post(
        f"{RETURNS_URL}{ret_id}/contest/", {}, format="json", HTTP_ACCEPT_LANGUAGE="pl"
    )

    error = assert_envelope(response, status=422, code="validation_failed")
    assert error["message"] == "Pole „komentarz” jest wymagane."
    assert error["fields"]["comment"] == ["Wymagane."]
    assert Return.objects.get(pk=ret_id).status == ReturnStatus.REQUESTED


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Такого возврата нет."),
        ("ro", "Nu există această returnare."),
        ("pl", "Nie ma takiego zwrotu."),
    ],
)
def test_unknown_return_is_not_found_in_each_language(supplier_a, language, message):
    response = supplier_a.api().post(
        f"{RETURNS_URL}not-a-uuid/accept/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert assert_envelope(response, status=404)["message"] == message
