"""Leads stored by COPY read back exactly as leads stored by bulk_create."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from marketplace.crypto import encrypt_many
from marketplace.ids import new_id
from marketplace.models import Lead, LeadStatus, Organization, OrganizationKind, Segment
from suppliers.intake.copying import leads_insert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _copy_even_one_lead(monkeypatch):
    monkeypatch.setattr("suppliers.intake.copying.COPY_FROM", 1)


AWKWARD = "tab\there, new\nline, cr\r, back\\slash \\N, quote \" ' ; Łódź Москва 😀"


def _lead(supplier: Organization, segment: Segment, number: int, **values: object) -> Lead:
    fields = {
        "supplier": supplier,
        "segment": segment,
        "external_id": f"ext-{number}",
        "status": LeadStatus.AVAILABLE,
        "first_name": "Zofia",
        "country": "PL",
        "price_cents": 1250,
        "created_at": datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC),
    }
    return Lead(**(fields | values))


def _stored(lead: Lead) -> dict:
    row = Lead.objects.get(pk=lead.pk)
    return {
        f.attname: getattr(row, f.attname)
        for f in Lead._meta.concrete_fields
        if f.attname not in ("id", "external_id")
    }


@pytest.mark.postgres  # COPY
def test_copy_stores_what_bulk_create_stores() -> None:
    supplier = Organization.objects.create(name="S", kind=OrganizationKind.SUPPLIER)
    segment = Segment.objects.get(slug="loans")
    awkward = {
        "last_name": AWKWARD,
        "phone": "+48601234567",
        "email": "a@b.pl",
        "phone_index": "ab" * 32,
        "email_index": "",
        "city": AWKWARD,
        "consent_text": AWKWARD,
        "consent_ip": "2001:db8::1",
        "captured_at": None,
        "cpa_price_cents": None,
        "rejection_reasons": ["duplicate"],
        "attributes": {"text": AWKWARD, "n": 12, "nested": {"\\": [1.5, None, True]}},
        "qualification": {},
        "max_sales": 3,
    }
    by_copy, by_orm = _lead(supplier, segment, 1, **awkward), _lead(supplier, segment, 2, **awkward)
    original = _lead(supplier, segment, 3)
    leads_insert([original])
    by_copy.duplicate_of_id = by_orm.duplicate_of_id = original.pk
    with CaptureQueriesContext(connection) as statements:
        leads_insert([by_copy])
    assert [q["sql"].split(" ", 1)[0] for q in statements] == ["COPY"]
    Lead.objects.bulk_create([by_orm])
    assert _stored(by_copy) == _stored(by_orm)
    assert _stored(by_copy)["city"] == AWKWARD
    assert not by_copy._state.adding


@pytest.mark.postgres  # COPY, and the constraint's name from psycopg2's diagnostics
def test_an_external_id_stored_already_fails_the_copy_with_nothing_stored() -> None:
    supplier = Organization.objects.create(name="S", kind=OrganizationKind.SUPPLIER)
    segment = Segment.objects.get(slug="loans")
    leads_insert([_lead(supplier, segment, 1)])
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        leads_insert([_lead(supplier, segment, 2, id=new_id()), _lead(supplier, segment, 1)])
    assert caught.value.__cause__.diag.constraint_name == "lead_unique_external_id"
    assert Lead.objects.filter(supplier=supplier).count() == 1


def test_encrypt_many_makes_fernet_tokens_of_the_first_key(settings) -> None:
    from cryptography.fernet import Fernet

    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [first, second]
    values = ["", "Zofia", "x" * 16, AWKWARD]
    tokens = encrypt_many(values, at=1_790_000_000)
    assert tokens[0] == ""
    for value, token in zip(values[1:], tokens[1:], strict=True):
        assert Fernet(first.encode()).decrypt(token.encode()).decode() == value
        assert Fernet(first.encode()).extract_timestamp(token.encode()) == 1_790_000_000
    assert len(set(encrypt_many(["same", "same"]))) == 2  # a fresh IV each


def test_encrypt_many_tokens_of_every_length_open_with_multifernet_and_rotate(settings) -> None:
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    # every padding length over one to four blocks, multi-byte characters, and empties
    values = ["ż" * (n // 2) + "a" * (n % 2) for n in range(0, 70)] + ["", AWKWARD, "Москва"]
    tokens = encrypt_many(values)

    reading = MultiFernet([Fernet(new.encode()), Fernet(old.encode())])  # as after adding a key
    for value, token in zip(values, tokens, strict=True):
        if not value:
            assert token == ""
            continue
        assert reading.decrypt(token.encode()).decode() == value
        rotated = reading.rotate(token.encode())
        assert Fernet(new.encode()).decrypt(rotated).decode() == value
        with pytest.raises(InvalidToken):
            Fernet(new.encode()).decrypt(token.encode())  # made with the first key only


def test_copy_stored_leads_rotate_to_a_new_key(settings) -> None:
    from cryptography.fernet import Fernet

    from marketplace.crypto import encrypted_values_rotate

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    supplier = Organization.objects.create(name="S", kind=OrganizationKind.SUPPLIER)
    segment = Segment.objects.get(slug="loans")
    lead = _lead(supplier, segment, 1, last_name=AWKWARD, phone="+48601234567", email="a@b.pl")
    leads_insert([lead])

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert encrypted_values_rotate() == 4  # first and last name, phone, email
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.first_name, stored.last_name, stored.phone, stored.email) == (
        "Zofia",
        AWKWARD,
        "+48601234567",
        "a@b.pl",
    )
