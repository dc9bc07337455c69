"""Previews show an initial and partly hidden contacts; nothing else of the person."""

from __future__ import annotations

import json
import re

import pytest

from marketplace.previews import mask_email, mask_first_name, mask_phone
from tests.marketplace.catalog.conftest import CATALOG_URL

pytestmark = pytest.mark.postgres


def test_the_listing_carries_no_personal_data(buyer_a, make_lead):
    make_lead(
        first_name="Zbigniew",
        last_name="Brzęczyszczykiewicz",
        phone="+48601234567",
        email="zbigniew.private@example.pl",
    )

    response = buyer_a.api().get(CATALOG_URL)
    body = json.loads(response.content)
    # The ids are random hex: digits like "345" may turn up in them by chance.
    text = re.sub(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "<id>",
        response.content.decode(),
    )

    assert body["results"][0]["preview"] == {
        "first_name": "Z.",
        "phone": "+48 60* *** *67",
        "email": "z***@example.pl",
    }
    # The hidden middle of the phone, in any grouping, appears nowhere in the answer.
    for hidden in ("12345", "1234", "2345", "345", "601234", "234567", "+48601234567"):
        assert hidden not in text
    assert "Zbigniew" not in text
    assert "Brz" not in text
    assert "czykiewicz" not in text
    assert "zbigniew.private" not in text
    assert "private" not in text


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+48601234567", "+48 60* *** *67"),
        ("+40721123456", "+40 72* *** *56"),
        ("+79161234567", "+7 91* *** **67"),
        ("+3531234567", "+353 1** ***7"),
        ("+4930123", "+49 *** **"),
        ("", None),
    ],
)
def test_phone_mask_keeps_country_code_and_two_digits_each_end(phone, masked):
    assert mask_phone(phone) == masked
    # The lead's country is a shortcut to the calling code, never a different answer.
    for country in ("PL", "RO", "RU", "IE", "DE", "US", ""):
        assert mask_phone(phone, country) == masked


def test_a_short_or_unparseable_number_shows_no_digit():
    masked = mask_phone("12345")
    assert masked is not None
    assert not any(ch.isdigit() for ch in masked)


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("anna.k@example.pl", "a***@example.pl"),
        ("a@Example.PL", "a***@example.pl"),
        ("very.long.local.part@mail.ru", "v***@mail.ru"),
        ("+tag@example.com", "***@example.com"),
        ("", None),
    ],
)
def test_email_mask_hides_the_local_part_and_its_length(email, masked):
    assert mask_email(email) == masked


def test_first_name_becomes_an_initial():
    assert mask_first_name("anna") == "A."
    assert mask_first_name("Łucja") == "Ł."
    assert mask_first_name("") == ""
