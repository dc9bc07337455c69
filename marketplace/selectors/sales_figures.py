"""Sales and per-day figures the dashboards share: counts and money of sales grouped
any way, and series with one value per day of a span (zeros included)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from marketplace.models import Outcome, SaleStatus

DAYS = 30  # the span of the per-day charts


def share(part: int, whole: int) -> float | None:
    """A percentage rounded to one decimal, or None when there is nothing to divide."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


@dataclass(frozen=True)
class DayCounts:
    """One day of a per-day chart; every day of the span is present, zeros included."""

    day: date
    values: dict[str, int]


@dataclass(frozen=True)
class SalesFigures:
    """Sales of one organization, as supplier or as buyer: counts and money in cents."""

    total: int = 0
    returned: int = 0
    converted: int = 0
    pending_action: int = 0
    spend_cents: int = 0

    @property
    def returned_share(self) -> float | None:
        return share(self.returned, self.total)

    @property
    def converted_share(self) -> float | None:
        return share(self.converted, self.total)


@dataclass(frozen=True)
class SalesGroup:
    """Sales grouped by a segment or a counterpart organization."""

    key: str
    name: str
    figures: SalesFigures

    @property
    def cost_per_conversion_cents(self) -> int | None:
        if not self.figures.converted:
            return None
        return self.figures.spend_cents // self.figures.converted


def span_start(days: int = DAYS) -> date:
    return timezone.now().date() - timedelta(days=days - 1)


def per_day(queryset: QuerySet, date_field: str, aggregates: dict, *, days: int = DAYS):
    """Per-day aggregates over the last ``days`` days (UTC), one query, gaps filled with 0."""
    start = span_start(days)
    rows = (
        queryset.filter(**{f"{date_field}__date__gte": start})
        .order_by()
        .annotate(day=TruncDate(date_field))
        .values("day")
        .annotate(**aggregates)
    )
    by_day = {row["day"]: row for row in rows}
    return [
        DayCounts(
            day=day,
            values={name: by_day.get(day, {}).get(name) or 0 for name in aggregates},
        )
        for day in (start + timedelta(days=offset) for offset in range(days))
    ]


RETURNED = Q(status=SaleStatus.RETURNED)
# What the buyer actually paid: CPL sales and reported CPA actions, not returned.
CHARGED = Q(status__in=[SaleStatus.DELIVERED, SaleStatus.ACTION_REPORTED])


def sales_aggregates(prefix: str = "", extra: Q | None = None) -> dict:
    base = extra if extra is not None else Q()
    return {
        f"{prefix}total": Count("pk", filter=base),
        f"{prefix}returned": Count("pk", filter=base & RETURNED),
        f"{prefix}converted": Count("pk", filter=base & Q(outcome=Outcome.CONVERTED)),
        f"{prefix}pending_action": Count("pk", filter=base & Q(status=SaleStatus.PENDING_ACTION)),
        f"{prefix}spend_cents": Sum("price_cents", filter=base & CHARGED),
    }


def sales_figures(row: dict, prefix: str = "") -> SalesFigures:
    return SalesFigures(**{name: row[f"{prefix}{name}"] or 0 for name in sales_aggregates()})


def sales_groups(sales: QuerySet, key: str, name: str) -> list[SalesGroup]:
    return [
        SalesGroup(key=str(row[key]), name=row[name], figures=sales_figures(row))
        for row in sales.order_by()
        .values(key, name)
        .annotate(**sales_aggregates())
        .order_by("-total", name)
    ]
