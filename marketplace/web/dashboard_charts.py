"""The dashboards' charts, built from the selectors' figures (presentation only)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from marketplace import l10n
from marketplace.selectors.dashboards import BuyerDashboard, ModeratorDashboard, SupplierDashboard
from marketplace.selectors.sales_figures import DayCounts
from marketplace.web.charts import Chart, Series


def _days(per_day: list[DayCounts]) -> list[str]:
    return [l10n.format_day(item.day) for item in per_day]


def _column(per_day: list[DayCounts], name: str) -> list[int]:
    return [item.values.get(name, 0) for item in per_day]


def _major_units(cents: list[int]) -> list[float]:
    # Chart axes only; the figures people read come from marketplace.l10n, exact.
    return [round(value / 100, 2) for value in cents]


def supplier_charts(figures: SupplierDashboard) -> dict[str, Chart]:
    return {
        "per_day": Chart(
            kind="bar",
            labels=_days(figures.per_day),
            series=[
                Series(_("Accepted"), _column(figures.per_day, "accepted"), "good"),
                Series(_("Rejected"), _column(figures.per_day, "rejected"), "bad"),
            ],
            stacked=True,
        ),
        "by_segment": Chart(
            kind="bar",
            labels=[row.name for row in figures.by_segment],
            series=[
                Series(_("Accepted"), [row.counts.accepted for row in figures.by_segment], "good"),
                Series(_("Rejected"), [row.counts.rejected for row in figures.by_segment], "bad"),
            ],
            stacked=True,
        ),
        "by_reason": Chart(
            kind="doughnut",
            labels=[str(reason.label).split(":", 1)[0] for reason in figures.by_reason],
            series=[Series(_("Leads"), [reason.count for reason in figures.by_reason])],
        ),
    }


def buyer_charts(figures: BuyerDashboard) -> dict[str, Chart]:
    return {
        "per_day": Chart(
            kind="bar",
            labels=_days(figures.per_day),
            series=[Series(_("Leads bought"), _column(figures.per_day, "bought"))],
        ),
        "spend_per_day": Chart(
            kind="line",
            labels=_days(figures.per_day),
            series=[Series(_("Spend"), _major_units(_column(figures.per_day, "spend_cents")))],
            unit="money",
            currency=settings.CURRENCY,
        ),
        "funnel": Chart(
            kind="bar",
            labels=[str(label) for _code, label, _count in figures.funnel],
            series=[Series(_("Leads"), [count for _code, _label, count in figures.funnel])],
        ),
        "by_segment": Chart(
            kind="doughnut",
            labels=[group.name for group in figures.by_segment],
            series=[
                Series(_("Leads bought"), [group.figures.total for group in figures.by_segment])
            ],
        ),
    }


def moderator_charts(figures: ModeratorDashboard) -> dict[str, Chart]:
    return {
        "per_day": Chart(
            kind="line",
            labels=_days(figures.per_day),
            series=[
                Series(_("Leads received"), _column(figures.per_day, "leads")),
                Series(_("Leads sold"), _column(figures.per_day, "sold"), "good"),
            ],
        ),
        "returns_by_segment": Chart(
            kind="bar",
            labels=[group.name for group in figures.returns_by_segment],
            series=[
                Series(
                    _("Returned, percent of sales"),
                    [group.figures.returned_share or 0 for group in figures.returns_by_segment],
                    "bad",
                )
            ],
            unit="percent",
        ),
    }
