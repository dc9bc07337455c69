"""The platform's commission on a sale, and how a price splits into parts."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from marketplace.errors import ValidationFailed


@dataclass(frozen=True)
class Split:
    price_cents: int
    commission_cents: int
    supplier_cents: int


def commission_percent_resolve(percent: int | None) -> int:
    """The segment's override if it has one, else ``PLATFORM_COMMISSION_PERCENT``."""
    if percent is None:
        percent = settings.PLATFORM_COMMISSION_PERCENT
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValidationFailed(
            "The commission must be a whole percentage from 0 to 100.",
            fields={"commission_percent": ["Enter a whole number from 0 to 100."]},
        )
    return percent


def commission_split(*, price_cents: int, percent: int) -> Split:
    """Split a price into the platform's commission and the supplier's share.

    Rule: commission = price * percent / 100, rounded half-up to the cent
    (computed in integers: ``(2 * price * percent + 100) // 200``); the
    supplier's share is the rest, ``price - commission``. So the parts always
    sum to the price exactly, the commission is never more than the price, and
    a half cent goes to the platform (a 5-cent lead at 10 % → 1 cent
    commission, 4 cents to the supplier).
    """
    if price_cents < 0:
        raise ValueError("A price cannot be negative.")
    if not 0 <= percent <= 100:
        raise ValueError("A percentage is from 0 to 100.")
    commission = (2 * price_cents * percent + 100) // 200
    return Split(
        price_cents=price_cents,
        commission_cents=commission,
        supplier_cents=price_cents - commission,
    )
