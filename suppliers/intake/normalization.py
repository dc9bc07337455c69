"""Phones and emails as people type them → one canonical form each.

Phones: parsed with the lead's country as the default region, so the local
ways of writing them work (``8 (916) 123-45-67`` in RU, ``0721 234 567`` in
RO, ``601 234 567`` in PL), stored as E.164. Valid phones of the common shapes
(ASCII digits with spaces, dashes, dots or parentheses, national or with ``+``)
are answered by ``suppliers.intake.phones.e164`` from phonenumbers' own
metadata, with exactly its answer; everything else goes through phonenumbers.
Emails: checked for syntax without any network look-up, stored lowercased.

Most addresses are plain ASCII (``name.surname@mail.example.com``): those a
strict pattern accepts are answered without email-validator, with exactly its
answer (``tests/suppliers/test_email_fast_path.py`` compares both on generated
addresses); everything else goes through email-validator.
"""

from __future__ import annotations

import re

import email_validator
import phonenumbers
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from suppliers.intake.phones import e164

MAX_PHONE_LENGTH = 32
MAX_EMAIL_LENGTH = 254


class NormalizationError(ValueError):
    pass


def _invalid_phone(country: str) -> str:
    # Translators: country is an ISO 3166 code such as PL.
    return _("not a valid number for %(country)s") % {"country": country}


def normalize_phone(raw: str, *, country: str) -> str:
    if len(raw) > MAX_PHONE_LENGTH:
        raise NormalizationError(
            _("too long to be a phone number (at most %(limit)s characters)")
            % {"limit": MAX_PHONE_LENGTH}
        )
    fast = e164(raw, country)
    if fast is not None:
        return fast
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        raise NormalizationError(_invalid_phone(country)) from None
    if not phonenumbers.is_valid_number(number):
        raise NormalizationError(_invalid_phone(country))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A strict subset of what email-validator accepts: a dot-atom of common characters
# (at most 64), then at least two LDH labels without "--" (no Punycode, none longer
# than 63) ending in a letters-only top-level domain.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]{1,64}(?:\.[A-Za-z0-9_+-]{1,64})*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-)){0,61}(?<!-)\.)+[A-Za-z]{2,63}"
)
_SPECIAL_USE = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)
_SPECIAL_USE_SUFFIXES = tuple("." + name for name in sorted(_SPECIAL_USE))


def _plain_email(raw: str) -> str | None:
    """The normalized address, when a plain ASCII one; None: ask email-validator."""
    if not _PLAIN_EMAIL.fullmatch(raw):
        return None
    local, domain = raw.rsplit("@", 1)
    domain = domain.lower()
    if len(local) > 64 or domain in _SPECIAL_USE or domain.endswith(_SPECIAL_USE_SUFFIXES):
        return None
    return raw.lower()


def normalize_email(raw: str) -> str:
    if len(raw) > MAX_EMAIL_LENGTH:
        raise NormalizationError(
            _("too long to be an email address (at most %(limit)s characters)")
            % {"limit": MAX_EMAIL_LENGTH}
        )
    plain = _plain_email(raw)
    if plain is not None:
        return plain
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise NormalizationError(
            # Translators: error is the email checker's own (English) explanation.
            _("not a valid email address (%(error)s)") % {"error": exc}
        ) from None
    return result.normalized.lower()


def is_known_country(code: str) -> bool:
    return code in phonenumbers.SUPPORTED_REGIONS
