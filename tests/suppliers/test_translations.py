"""A lead's field problems are answered in the language the client asks for; the
machine-readable parts (code, field names) stay as they are."""

from __future__ import annotations

import pytest

from tests.factories import lead_payload
from tests.suppliers.helpers import BATCH_URL, assert_envelope, lead_count, post_lead

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "phone", "message"),
    [
        ("pl", "nieprawidłowy numer dla PL", "Lead jest nieprawidłowy."),
        ("ru", "некорректный номер для PL", "Лид некорректен."),
        ("ro", "nu este un număr valid pentru PL", "Leadul nu este valid."),
        (None, "not a valid number for PL", "The lead is not valid."),
    ],
)
def test_a_bad_phone_is_explained_in_the_accept_language(supplier_a, language, phone, message):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = post_lead(supplier_a, lead_payload(phone="601 234"), **headers)

    error = assert_envelope(response, status=422, code="validation_failed")
    assert error["message"] == message
    assert error["fields"]["phone"] == [phone]
    assert lead_count() == 0


def test_every_problem_of_a_lead_in_polish_keeps_its_field_names(supplier_a):
    payload = lead_payload(temperature="boiling", max_sales=99, country="XX")

    response = post_lead(supplier_a, payload, HTTP_ACCEPT_LANGUAGE="pl")

    fields = assert_envelope(response, status=422, code="validation_failed")["fields"]
    assert fields["temperature"][0].startswith("Dozwolone wartości: ")
    assert fields["max_sales"] == ["Musi być od 1 do 3 w loans."]
    assert fields["country"] == ["Nieznany kraj; użyj kodu ISO 3166, np. PL, RO, US."]


def test_a_batch_items_errors_are_in_polish(supplier_a):
    response = supplier_a.api().post(
        BATCH_URL,
        {"leads": [lead_payload(phone="601 234")]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="pl",
    )

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["status"] == "invalid"
    assert item["error"]["code"] == "validation_failed"
    assert item["error"]["fields"]["phone"] == ["nieprawidłowy numer dla PL"]


@pytest.mark.parametrize(
    ("language", "message", "field"),
    [
        ("pl", "Najwyżej 5 leadów w pakiecie.", "Najwyżej 5 elementów."),
        ("ru", "Не более 5 лидов в пакете.", "Не более 5 элементов."),  # noqa: RUF001
        (None, "At most 5 leads per batch.", "At most 5 items."),
    ],
)
def test_an_oversized_batch_is_refused_in_the_accept_language(
    supplier_a, settings, language, message, field
):
    settings.API_BATCH_MAX_LEADS = 5
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    leads = [lead_payload() for _ in range(6)]

    response = supplier_a.api().post(BATCH_URL, {"leads": leads}, format="json", **headers)

    error = assert_envelope(response, status=422, code="validation_failed")
    assert error["message"] == message
    assert error["fields"]["leads"] == [field]
    assert lead_count() == 0
