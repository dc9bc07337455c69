"""Masked previews of a lead's person, for buyers who have not bought it.

A preview shows enough to judge a lead (the phone's country and operator
prefix, the email's provider) and nothing that identifies or reaches the
person. Each mask is built from the few characters it shows and fixed
placeholders, never by blanking characters of the original in place, so
nothing beyond what is shown can leak (not even the email's length).

The preview is computed once, when a lead is stored (``preview_of``: intake,
the backfill migration), and kept in ``Lead.preview``; the catalog shows the
stored value (``stored_preview``) and never decrypts the personal fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import phonenumbers

PLACEHOLDER = "*"


def mask_first_name(first_name: str) -> str:
    """ "Anna" → "A." """
    name = (first_name or "").strip()
    return f"{name[0].upper()}." if name else ""


def _shown_digits(length: int) -> tuple[int, int]:
    """How many leading and trailing national digits a mask keeps."""
    if length >= 8:
        return 2, 2
    if length >= 6:
        return 1, 1
    return 0, 0


def _split(phone: str, country: str) -> tuple[str, str]:
    """(country calling code, national number) of an E.164 phone. The lead's country
    gives the code in the common case (a dictionary look-up); parsing is the fallback."""
    code = str(phonenumbers.country_code_for_region(country)) if country else "0"
    if code != "0" and phone.startswith("+" + code):
        return code, phone[1 + len(code) :]
    try:
        parsed = phonenumbers.parse(phone, None)
        return str(parsed.country_code), phonenumbers.national_significant_number(parsed)
    except phonenumbers.NumberParseException:
        return "", phone


def mask_phone(phone: str, country: str = "") -> str | None:
    """ "+48601234567" → "+48 60* *** *67": the country code, the first two and the
    last two digits of the national number, the rest hidden, in groups of three."""
    if not phone:
        return None
    country_code, national = _split(phone, country.upper())
    national = "".join(ch for ch in national if ch.isdigit())
    head, tail = _shown_digits(len(national))
    hidden = len(national) - head - tail
    masked = national[:head] + PLACEHOLDER * hidden + (national[-tail:] if tail else "")
    groups = [masked[i : i + 3] for i in range(0, len(masked), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # "+7 91* *** **67", not "**6 7"
        groups[-2:] = [groups[-2] + groups[-1]]
    shown = " ".join(groups)
    return f"+{country_code} {shown}" if country_code else shown


def mask_email(email: str) -> str | None:
    """ "anna.k@example.pl" → "a***@example.pl": the first character of the local part,
    a fixed placeholder (the length is not shown) and the provider's domain."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.rpartition("@")
    first = local[:1] if local[:1].isalnum() else ""
    return f"{first}{PLACEHOLDER * 3}@{domain.lower()}"


def lead_preview(
    *, first_name: str, phone: str, email: str, country: str = ""
) -> dict[str, str | None]:
    return {
        "first_name": mask_first_name(first_name),
        "phone": mask_phone(phone, country),
        "email": mask_email(email),
    }


class _Person(Protocol):
    first_name: str
    phone: str
    email: str
    country: str


def preview_of(person: _Person) -> dict[str, str | None]:
    """The preview of a lead, or of a validated draft, from its plain personal fields."""
    return lead_preview(
        first_name=person.first_name,
        phone=person.phone,
        email=person.email,
        country=person.country,
    )


# What a lead with no personal data (wiped on opt-out) shows.
EMPTY_PREVIEW = lead_preview(first_name="", phone="", email="")


def stored_preview(value: object) -> dict[str, str | None]:
    """A stored ``Lead.preview`` as the catalog shows it: the three masks and nothing
    else (an empty value, e.g. a lead the backfill has not reached, shows nothing)."""
    stored = value if isinstance(value, Mapping) else {}
    return {name: stored.get(name, empty) for name, empty in EMPTY_PREVIEW.items()}
