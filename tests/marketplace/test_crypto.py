"""Personal data encrypted at rest, blind indexes, and key rotation."""

from __future__ import annotations

import hashlib
import hmac
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from marketplace.crypto import blind_index, decrypt_text, encrypt_text, encrypted_fields
from marketplace.models import Lead
from tests.factories import lead_payload

pytestmark = pytest.mark.django_db

PERSONAL_COLUMNS = ["first_name", "last_name", "phone", "email", "consent_ip"]


def _raw_rows() -> list[dict]:
    columns = ", ".join([*PERSONAL_COLUMNS, "phone_index", "email_index", "id"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM marketplace_lead ORDER BY id")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _send(actor, count: int = 1) -> None:
    for i in range(count):
        payload = lead_payload(
            external_id=f"c{i}", phone=f"+48 602 000 {100 + i}", email=f"p{i}@example.pl"
        )
        response = actor.api().post("/api/v1/leads/", payload, format="json")
        assert response.status_code == 201, response.content


def _fernet_for(keys: list[str]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def test_raw_rows_hold_no_plaintext_personal_data(supplier_a):
    response = supplier_a.api().post("/api/v1/leads/", lead_payload(), format="json")
    assert response.status_code == 201

    (row,) = _raw_rows()

    raw = " ".join(str(value) for value in row.values())
    for plaintext in ("Anna", "Kowalska", "601234567", "anna.k@example.pl", "203.0.113.5"):
        assert plaintext not in raw
    fernet = _fernet_for(settings.FIELD_ENCRYPTION_KEYS)
    assert fernet.decrypt(row["first_name"].encode()) == b"Anna"
    assert fernet.decrypt(row["phone"].encode()) == b"+48601234567"
    assert fernet.decrypt(row["email"].encode()) == b"anna.k@example.pl"
    lead = Lead.objects.get()
    assert (lead.first_name, lead.phone, lead.email) == (
        "Anna",
        "+48601234567",
        "anna.k@example.pl",
    )


def test_blind_indexes_are_hmacs_of_the_normalized_values_under_their_own_key(supplier_a):
    supplier_a.api().post("/api/v1/leads/", lead_payload(phone="601-234-567"), format="json")

    (row,) = _raw_rows()

    key = settings.BLIND_INDEX_KEY.encode()
    expected_phone = hmac.new(key, b"phone:+48601234567", hashlib.sha256).hexdigest()
    expected_email = hmac.new(key, b"email:anna.k@example.pl", hashlib.sha256).hexdigest()
    assert row["phone_index"] == expected_phone
    assert row["email_index"] == expected_email
    assert row["phone_index"] != hashlib.sha256(b"+48601234567").hexdigest()
    assert settings.BLIND_INDEX_KEY not in settings.FIELD_ENCRYPTION_KEYS


def test_blind_index_separates_kinds_and_depends_on_the_key():
    assert blind_index("phone", "x") != blind_index("email", "x")
    with override_settings(BLIND_INDEX_KEY="another-key"):
        other = blind_index("phone", "+48601234567")
    assert other != blind_index("phone", "+48601234567")


def test_each_encryption_is_different_and_empty_stays_empty(supplier_a):
    assert encrypt_text("Anna") != encrypt_text("Anna")
    response = supplier_a.api().post(
        "/api/v1/leads/", lead_payload(last_name=None, email=None), format="json"
    )
    assert response.status_code == 201

    (row,) = _raw_rows()

    assert row["last_name"] == ""
    assert row["email"] == ""
    assert row["email_index"] == ""


def test_a_missing_key_is_a_clear_error():
    token = encrypt_text("Anna")
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"),
    ):
        decrypt_text(token)


def test_lead_is_the_model_with_encrypted_fields():
    found = {model._meta.label: [f.name for f in fields] for model, fields in encrypted_fields()}

    assert found["marketplace.Lead"] == PERSONAL_COLUMNS


# --- rotation ----------------------------------------------------------------------


def _rotate(**options) -> list[str]:
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out, **options)
    return out.getvalue().strip().splitlines()


def test_rotation_re_encrypts_every_value_with_the_new_key_and_is_idempotent(supplier_a):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    _send(supplier_a, 7)
    before = _raw_rows()
    new_key = Fernet.generate_key().decode()
    new_only = Fernet(new_key.encode())

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *old_keys]):
        output = _rotate(batch_size=3)
        after = _raw_rows()
        again = _rotate(batch_size=3)
        after_again = _raw_rows()
        names = sorted(Lead.objects.values_list("email", flat=True))

    # 7 leads x (first name, last name, phone, email, consent ip)
    assert output[-1] == "35"
    assert again[-1] == "0"
    assert after_again == after
    for old_row, new_row in zip(before, after, strict=True):
        for column in PERSONAL_COLUMNS:
            assert new_row[column] != old_row[column]
            assert new_only.decrypt(new_row[column].encode()) == _fernet_for(old_keys).decrypt(
                old_row[column].encode()
            )
        assert new_row["phone_index"] == old_row["phone_index"]
    assert names == sorted(f"p{i}@example.pl" for i in range(7))

    # the old key can now be dropped
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert sorted(Lead.objects.values_list("email", flat=True)) == names
    with override_settings(FIELD_ENCRYPTION_KEYS=old_keys), pytest.raises(InvalidToken):
        Fernet(old_keys[0].encode()).decrypt(after[0]["email"].encode())


def test_rotation_with_nothing_to_do_prints_zero(supplier_a):
    _send(supplier_a, 2)

    assert _rotate()[-1] == "0"


def test_rotation_skips_empty_values(supplier_a):
    supplier_a.api().post("/api/v1/leads/", lead_payload(last_name=None, email=None), format="json")
    new_key = Fernet.generate_key().decode()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        assert _rotate()[-1] == "3"  # first name, phone, consent ip
    (row,) = _raw_rows()
    assert row["last_name"] == row["email"] == ""


def test_rotation_stops_with_a_clear_error_when_a_key_is_missing(supplier_a):
    _send(supplier_a, 1)

    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS"),
    ):
        _rotate()


def test_rotation_refuses_a_bad_batch_size():
    with pytest.raises(CommandError):
        _rotate(batch_size=0)


@pytest.mark.parametrize("key_length", [0, 1, 16, 32, 63, 64, 65, 100, 200])
def test_the_sha256_mac_is_the_standard_hmac_for_every_key_length(key_length):
    from marketplace.crypto import _Sha256Mac

    key = bytes((n * 37 + 11) % 256 for n in range(key_length))
    mac = _Sha256Mac(key)
    for message in (b"", b"a", b"phone:+48601234567", bytes(range(256)) * 3):
        expected = hmac.new(key, message, hashlib.sha256)
        assert mac.digest(message) == expected.digest()
        assert mac.mac(message).hexdigest() == expected.hexdigest()


@pytest.mark.parametrize("blind_key", ["short", "k" * 64, "a longer key than one block " * 4])
def test_blind_index_is_the_hmac_of_kind_and_value_whatever_the_key(blind_key):
    with override_settings(BLIND_INDEX_KEY=blind_key):
        for kind, value in (("phone", "+48601234567"), ("email", "anna@example.pl"), ("x", "")):
            expected = hmac.new(blind_key.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
            assert blind_index(kind, value) == expected.hexdigest()
