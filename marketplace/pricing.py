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
