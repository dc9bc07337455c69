"""Encryption at rest and blind indexes for personal data.

Names, phones and emails are stored as Fernet tokens; the first key of
``FIELD_ENCRYPTION_KEYS`` encrypts and every key decrypts, so keys rotate
without downtime (``manage.py rotate_encryption_keys``). Equality look-ups
(dedup, suppression) use blind indexes: HMAC-SHA256 of the normalized value
under ``BLIND_INDEX_KEY``, a key separate from the encryption keys.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            "(generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from None


def fernet() -> MultiFernet:
    return _multi_fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS: a key is missing."
        ) from None


def rotate_token(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def blind_index(kind: str, normalized: str) -> str:
    """HMAC of a normalized value; ``kind`` keeps phone and email spaces apart."""
    message = f"{kind}:{normalized}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; an empty value stays empty (nothing to hide)."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)
