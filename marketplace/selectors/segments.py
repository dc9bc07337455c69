from __future__ import annotations

from django.db.models import QuerySet

from marketplace.models import Segment


def active_segment_list() -> QuerySet[Segment]:
    return Segment.objects.filter(is_active=True).order_by("slug")
