"""Encryption at rest and blind indexes for personal data.

Names, phones and emails are stored as Fernet tokens; the first key of
``FIELD_ENCRYPTION_KEYS`` encrypts and every key decrypts, so keys rotate
without downtime (``manage.py rotate_encryption_keys``). Equality look-ups
(dedup, suppression) use blind indexes: HMAC-SHA256 of the normalized value
under ``BLIND_INDEX_KEY``, a key separate from the encryption keys.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
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
    # The first key encrypts (MultiFernet.encrypt would do the same, one call deeper).
    return _primary_fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


class _Sha256Mac:
    """HMAC-SHA256 under one key (RFC 2104: ``H(K ^ opad || H(K ^ ipad || m))``), its two
    padded-key states hashed once; each MAC copies two hashlib states, which costs
    about a third of copying an ``hmac.HMAC`` (a Python object around them). The
    same bytes as ``hmac.new(key, message, hashlib.sha256)``."""

    __slots__ = ("inner", "outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:  # SHA-256's block: a longer key is hashed first
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\x00")
        self.inner = hashlib.sha256(key.translate(_IPAD))
        self.outer = hashlib.sha256(key.translate(_OPAD))

    def mac(self, message: bytes):  # -> hashlib's sha256 state, finished: digest() or hexdigest()
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer

    def digest(self, message: bytes) -> bytes:
        return self.mac(message).digest()


_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))


@lru_cache(maxsize=4)
def _token_parts(key: str) -> tuple[algorithms.AES, _Sha256Mac]:
    raw = base64.urlsafe_b64decode(key)  # Fernet: signing key, then encryption key
    return algorithms.AES(raw[16:]), _Sha256Mac(raw[:16])


def encrypt_many(values: Sequence[str], *, at: int | None = None) -> list[str]:
    """``encrypt_text`` of many values at once, for bulk inserts: the same Fernet
    tokens (version, time, IV, AES-128-CBC with PKCS7 padding, HMAC-SHA256; any
    Fernet with the key decrypts them). Empty values stay empty.

    CBC chains each value's blocks, but the values are independent: block *k* of
    every value is ``AES(plain_k XOR cipher_(k-1))`` (the IV before the first), so
    one ECB pass per block position over the whole column does the work that one
    CBC context per value did (creating a context cost more than encrypting), and
    the XOR of a whole position is one big-integer operation."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    _primary_fernet(keys)  # a malformed key fails as everywhere else
    aes, signer = _token_parts(keys[0])
    prefix = b"\x80" + (int(time.time()) if at is None else at).to_bytes(8, "big")
    present = [number for number, value in enumerate(values) if value]
    plain = []
    for number in present:
        data = values[number].encode()
        padding = 16 - len(data) % 16
        plain.append(data + bytes([padding]) * padding)
    randomness = os.urandom(16 * len(present))
    previous = [randomness[16 * n : 16 * n + 16] for n in range(len(present))]
    cipher = [bytearray() for _ in present]
    ecb = Cipher(aes, modes.ECB()).encryptor()  # noqa: S305 (CBC, chained by hand)
    active = list(range(len(present)))
    position = 0
    while active:
        start = 16 * position
        blocks = b"".join([plain[n][start : start + 16] for n in active])
        chained = b"".join([previous[n] for n in active])
        mixed = (int.from_bytes(blocks, "big") ^ int.from_bytes(chained, "big")).to_bytes(
            len(blocks), "big"
        )
        encrypted = ecb.update(mixed)
        for place, n in enumerate(active):
            block = encrypted[16 * place : 16 * place + 16]
            previous[n] = block
            cipher[n] += block
        position += 1
        active = [n for n in active if len(plain[n]) > 16 * position]
    tokens = list(values)
    for place, number in enumerate(present):
        parts = prefix + randomness[16 * place : 16 * place + 16] + cipher[place]
        tokens[number] = base64.urlsafe_b64encode(parts + signer.digest(parts)).decode()
    return tokens


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS: a key is missing."
        ) from None


def rotate_token(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


@lru_cache(maxsize=4)
def _keyed_hmac(key: str) -> _Sha256Mac:
    return _Sha256Mac(key.encode())


def blind_index(kind: str, normalized: str) -> str:
    """HMAC of a normalized value; ``kind`` keeps phone and email spaces apart."""
    # The key schedule is done once (the cached padded-key states).
    return _keyed_hmac(settings.BLIND_INDEX_KEY).mac(f"{kind}:{normalized}".encode()).hexdigest()


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


@lru_cache(maxsize=4)
def _primary_fernet(keys: tuple[str, ...]) -> Fernet:
    _multi_fernet(keys)  # the same check, and message, for a malformed key
    return Fernet(keys[0].encode())


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every concrete model with encrypted columns, and those columns."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


class UndecryptableValue(Exception):
    """A stored token that no key of FIELD_ENCRYPTION_KEYS opens."""


def encrypted_values_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypt every stored value with the first key of FIELD_ENCRYPTION_KEYS.

    Values already under the first key are left alone, so a second run changes
    nothing (and a run interrupted half-way can simply be started again). Each
    batch is one transaction with its rows locked, so a concurrent write (a
    wipe, an edit) is never overwritten by an older token. Returns the number
    of values re-encrypted.
    """
    from django.db import transaction
    from django.db.models.functions import Cast

    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    multi = _multi_fernet(keys)
    primary = _primary_fernet(keys)
    rotated = 0
    for model, fields in encrypted_fields():
        # Cast to plain text: the raw tokens, without EncryptedTextField decrypting them.
        raw = {f"_raw_{field.attname}": Cast(field.attname, models.TextField()) for field in fields}
        last_pk = None
        while True:
            with transaction.atomic():
                rows = model._base_manager.order_by("pk").annotate(**raw)
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.select_for_update(of=("self",)).values("pk", *raw)[:batch_size])
                for row in batch:
                    changes = {}
                    for field in fields:
                        token = row[f"_raw_{field.attname}"]
                        if not token:
                            continue
                        try:
                            primary.decrypt(token.encode())
                            continue  # already under the first key
                        except InvalidToken:
                            pass
                        try:
                            new_token = multi.rotate(token.encode()).decode()
                        except InvalidToken:
                            raise UndecryptableValue(
                                f"{model._meta.label} {row['pk']} {field.name}: no key of "
                                "FIELD_ENCRYPTION_KEYS decrypts it."
                            ) from None
                        changes[field.attname] = models.Value(
                            new_token, output_field=models.TextField()
                        )
                    if changes:
                        model._base_manager.filter(pk=row["pk"]).update(**changes)
                        rotated += len(changes)
            if len(batch) < batch_size:
                break
            last_pk = batch[-1]["pk"]
    return rotated
