"""Quality's figures for pages outside quality (the moderator's dashboard), so that
``marketplace`` shows them without importing quality.

    {% load quality_dashboard %}{% open_disputes as disputes %}{{ disputes.count }}
    {% rating_trend current_organization as trend %}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _

from marketplace import l10n
from marketplace.models import Organization
from marketplace.web.charts import Chart, Series
from quality.models import Dispute, DisputeStatus
from quality.selectors import rating_history

register = template.Library()


@dataclass(frozen=True)
class OpenDisputes:
    count: int
    oldest: datetime | None
    contested: int


@register.simple_tag
def open_disputes() -> OpenDisputes:
    row = Dispute.objects.filter(status=DisputeStatus.OPEN).aggregate(
        count=Count("pk"),
        oldest=Min("created_at"),
        contested=Count("pk", filter=Q(cause="contested")),
    )
    return OpenDisputes(count=row["count"], oldest=row["oldest"], contested=row["contested"])


@register.simple_tag
def rating_trend(organization: Organization | None) -> Chart:
    """The supplier's daily overall score over the last 90 days, as a line chart."""
    rows = rating_history(supplier_id=organization.pk) if organization is not None else []
    return Chart(
        kind="line",
        labels=[l10n.format_day(row.day) for row in rows],
        series=[Series(_("Score"), [row.score for row in rows])],
    )
