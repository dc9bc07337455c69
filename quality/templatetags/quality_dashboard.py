"""Quality's figures for pages outside quality (the moderator's dashboard), so that
``marketplace`` shows them without importing quality.

    {% load quality_dashboard %}{% open_disputes as disputes %}{{ disputes.count }}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.db.models import Count, Min, Q

from quality.models import Dispute, DisputeStatus

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
