"""Charts for pages: a small, plain description that the page renders twice —
as a JSON data island that ``static/js/charts.js`` hands to Chart.js, and as a
table for screen readers and for browsers without JavaScript.

    chart = Chart(kind="line", labels=[...], series=[Series(_("Sent"), [3, 5, 2])])
    {% include "includes/chart.html" with chart=chart id="leads-per-day" title=_("Leads per day") %}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChartKind = Literal["bar", "line", "doughnut"]
Tone = Literal["", "good", "bad", "warn", "muted"]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int | float]
    tone: Tone = ""


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    stacked: bool = False
    # "money": values are major units of `currency`, shown with two decimals.
    unit: Literal["", "money", "percent"] = ""
    currency: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.labels or not any(value for s in self.series for value in s.values)

    @property
    def rows(self) -> list[tuple[str, list[int | float]]]:
        """One row per label with each series' value: the accessible table."""
        return [
            (label, [s.values[i] if i < len(s.values) else 0 for s in self.series])
            for i, label in enumerate(self.labels)
        ]

    def config(self) -> dict:
        """What the JSON data island holds (lazy translations resolved to text)."""
        return {
            "kind": self.kind,
            "labels": [str(label) for label in self.labels],
            "series": [
                {"label": str(s.label), "values": list(s.values), "tone": s.tone}
                for s in self.series
            ],
            "stacked": self.stacked,
            "unit": self.unit,
            "currency": self.currency,
        }
