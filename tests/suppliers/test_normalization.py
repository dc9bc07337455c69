"""Phones as people write them in each country → E.164; emails → one lowercase form."""

from __future__ import annotations

import socket

import pytest

from marketplace.models import Lead
from suppliers.intake.normalization import NormalizationError, normalize_email, normalize_phone
from tests.factories import lead_payload
from tests.suppliers.helpers import assert_envelope, post_lead

LOCAL_PHONES = [
    ("PL", "601 234 567", "+48601234567"),
    ("PL", "+48 601-234-567", "+48601234567"),
    ("RO", "0721 234 567", "+40721234567"),
    ("RU", "8 (916) 123-45-67", "+79161234567"),
    ("UA", "050 123 4567", "+380501234567"),
    ("UA", "+380 50 123 4567", "+380501234567"),
    ("US", "(201) 555-0123", "+12015550123"),
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Normalization must never look anything up on the network."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access during normalization")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    try:
        import dns.resolver
    except ImportError:  # pragma: no cover - dnspython is email-validator's dependency
        return
    monkeypatch.setattr(dns.resolver, "resolve", refuse)
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)


@pytest.mark.parametrize(("country", "raw", "e164"), LOCAL_PHONES)
def test_local_phone_formats_become_e164(country, raw, e164):
    assert normalize_phone(raw, country=country) == e164


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("PL", "601 234"),
        ("PL", "000 000 000"),
        ("RO", "0721 23"),
        ("RU", "8 (000) 123-45-67"),
        ("UA", "050 123"),
        ("US", "(201) 055-0123"),
        ("US", "hello"),
        ("PL", "+"),
        ("PL", "1" * 40),
    ],
)
def test_invalid_numbers_are_refused_naming_the_country(country, raw):
    with pytest.raises(NormalizationError) as caught:
        normalize_phone(raw, country=country)
    if len(raw) <= 32:
        assert str(caught.value) == f"not a valid number for {country}"


@pytest.mark.django_db
@pytest.mark.parametrize(("country", "raw", "e164"), LOCAL_PHONES)
def test_api_stores_local_phones_as_e164(supplier_a, country, raw, e164):
    payload = lead_payload(country=country, phone=raw, region=None)

    response = post_lead(supplier_a, payload)

    assert response.status_code == 201, response.content
    assert Lead.objects.get().phone == e164


@pytest.mark.django_db
def test_api_refuses_a_number_of_another_country(supplier_a):
    # a Polish mobile written in the local way is not a Romanian number
    response = post_lead(supplier_a, lead_payload(country="RO", region=None, phone="601 234 567"))

    error = assert_envelope(response, status=422, code="validation_failed")
    assert error["fields"]["phone"] == ["not a valid number for RO"]
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("anna.k@example.pl", "anna.k@example.pl"),
        ("Anna.K@Example.PL", "anna.k@example.pl"),
        ("ANNA.K@EXAMPLE.PL", "anna.k@example.pl"),
        ("anna.k@nonexistent-domain-for-tests.invalid.pl", None),
    ],
)
def test_emails_are_normalized_and_lowercased_without_network(raw, normalized):
    result = normalize_email(raw)
    assert result == (normalized or raw.lower())


@pytest.mark.parametrize("raw", ["anna", "anna@", "@example.pl", "anna@@example.pl", "a b@c.pl"])
def test_invalid_emails_are_refused(raw):
    with pytest.raises(NormalizationError):
        normalize_email(raw)


@pytest.mark.django_db
def test_api_stores_the_normalized_email(supplier_a):
    response = post_lead(supplier_a, lead_payload(email="  Anna.K@Example.PL "))

    assert response.status_code == 201, response.content
    assert Lead.objects.get().email == "anna.k@example.pl"
