"""Money: integer minor units inside, decimal strings ("12.50") at the edges."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings

MAX_AMOUNT_CENTS = 10_000_000_00  # 10 million in major units: past any lead price or top-up


# Plain ASCII digits only: Decimal() would also take exponents ("9e999999" overflows),
# "NaN", underscores and non-ASCII digits.
_AMOUNT_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class MoneyFormatError(ValueError):
    pass


def parse_amount(value: object) -> int:
    """A decimal string ("12.50") or a whole JSON number → cents.

    Refuses fractional JSON numbers (floats are never exact), more than two
    decimals, negatives, exponents, NaN and absurd sizes rather than rounding.
    """
    if isinstance(value, bool) or value is None:
        raise MoneyFormatError('Send an amount such as "12.50".')
    if isinstance(value, float):
        raise MoneyFormatError('Send the amount as a decimal string such as "12.50", not a number.')
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or len(value) > 20:
        raise MoneyFormatError('Send an amount such as "12.50".')
    text = value.strip()
    if not _AMOUNT_RE.fullmatch(text):
        raise MoneyFormatError(f'"{value[:20]}" is not an amount; send one such as "12.50".')
    amount = Decimal(text)
    if amount < 0:
        raise MoneyFormatError("The amount cannot be negative.")
    if amount != amount.quantize(Decimal("0.01")):
        raise MoneyFormatError("At most two decimal places.")
    cents = int(amount * 100)
    if cents > MAX_AMOUNT_CENTS:
        raise MoneyFormatError("The amount is too large.")
    return cents


def format_cents(cents: int | None) -> str | None:
    """Cents → "12.50" (None stays None). Exact for any integer."""
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


def currency() -> str:
    return settings.CURRENCY
