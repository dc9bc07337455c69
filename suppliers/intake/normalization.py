"""Phones and emails as people type them → one canonical form each.

Phones: parsed with the lead's country as the default region, so the local
ways of writing them work (``8 (916) 123-45-67`` in RU, ``0721 234 567`` in
RO, ``601 234 567`` in PL), stored as E.164. Emails: checked for syntax
without any network look-up, stored lowercased.
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

MAX_PHONE_LENGTH = 32
MAX_EMAIL_LENGTH = 254


class NormalizationError(ValueError):
    pass


def normalize_phone(raw: str, *, country: str) -> str:
    if len(raw) > MAX_PHONE_LENGTH:
        raise NormalizationError(
            f"too long to be a phone number (at most {MAX_PHONE_LENGTH} characters)"
        )
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        raise NormalizationError(f"not a valid number for {country}") from None
    if not phonenumbers.is_valid_number(number):
        raise NormalizationError(f"not a valid number for {country}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    if len(raw) > MAX_EMAIL_LENGTH:
        raise NormalizationError(
            f"too long to be an email address (at most {MAX_EMAIL_LENGTH} characters)"
        )
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise NormalizationError(f"not a valid email address ({exc})") from None
    return result.normalized.lower()


def is_known_country(code: str) -> bool:
    return code in phonenumbers.SUPPORTED_REGIONS
