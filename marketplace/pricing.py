"""The price a lead is listed at now: its own price minus the segment's age discount.

One implementation for the catalog (what a buyer sees), the purchase (what it
pays) and the pages. A segment's ``age_discounts`` is a list of
``{"after_hours": H, "percent": P}``: once a lead is ``H`` hours old its
prices fall by ``P`` percent; the largest threshold reached applies.
Rounding: the discounted price is rounded half up to the cent, so the buyer
never pays more than the schedule says by more than half a cent, and a
price never goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class ListedPrice:
    price_cents: int
    cpa_price_cents: int | None
    discount_percent: int


def discount_percent_at(*, age_discounts: list[dict], age: timedelta) -> int:
    """The discount in force for a lead of this age (0 when none applies)."""
    hours = age.total_seconds() / 3600
    reached = [step for step in age_discounts or [] if hours >= step["after_hours"]]
    if not reached:
        return 0
    return max(reached, key=lambda step: step["after_hours"])["percent"]


def discounted_cents(cents: int, percent: int) -> int:
    """``cents`` less ``percent`` %, rounded half up to the cent, in integers."""
    if percent <= 0:
        return cents
    return (cents * (100 - percent) * 2 + 100) // 200


def lead_listed_price(*, lead, segment=None, now: datetime | None = None) -> ListedPrice:
    """The CPL and CPA prices of ``lead`` at ``now`` (default: now)."""
    segment = segment or lead.segment
    now = now or timezone.now()
    percent = discount_percent_at(age_discounts=segment.age_discounts, age=now - lead.created_at)
    cpa = lead.cpa_price_cents
    return ListedPrice(
        price_cents=discounted_cents(lead.price_cents, percent),
        cpa_price_cents=None if cpa is None else discounted_cents(cpa, percent),
        discount_percent=percent,
    )


def undiscounted_ceiling_cents(listed_max_cents: int, percent: int) -> int:
    """The highest own price whose listed price at ``percent`` off is at most
    ``listed_max_cents``: the inverse of ``discounted_cents``, so "listed price
    ≤ X" becomes "own price ≤ Y" per discount band, a plain indexable comparison.

    ``discounted_cents(c, p) <= m``  ⇔  ``(2c(100-p) + 100) // 200 <= m``
    ⇔  ``2c(100-p) + 100 < 200(m+1)``  ⇔  ``c <= (200m + 99) // (2(100-p))``.
    """
    percent = max(percent, 0)
    return (200 * listed_max_cents + 99) // (2 * (100 - percent))
