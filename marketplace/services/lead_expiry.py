"""Leads leave the marketplace when they outlive their segment's freshness limit.

The catalog already hides them by age (``selectors.catalog``); this service
makes it a status, so supplier pages, counts and indexes agree. Batches are
short transactions: lock a batch of stale available leads (skipping rows a
purchase holds right now), move them with one conditional UPDATE, and record
each transition as a ``LeadEvent`` row. Running it twice changes nothing more.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from marketplace.models import Lead, LeadEvent, LeadStatus, Segment
from marketplace.selectors.catalog import freshness_cutoff

DEFAULT_BATCH_SIZE = 1000


def _expire_batch(*, segment: Segment, cutoff: datetime, batch_size: int, now: datetime) -> int:
    with transaction.atomic():
        stale = (
            Lead.objects.filter(segment=segment, status=LeadStatus.AVAILABLE, created_at__lt=cutoff)
            .order_by("created_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch_size]
        )
        ids = list(stale)
        if not ids:
            return 0
        moved = Lead.objects.filter(pk__in=ids, status=LeadStatus.AVAILABLE).update(
            status=LeadStatus.EXPIRED
        )
        LeadEvent.objects.bulk_create(
            LeadEvent(
                lead_id=lead_id,
                kind="expired",
                from_status=LeadStatus.AVAILABLE,
                to_status=LeadStatus.EXPIRED,
                data={"freshness_days": segment.freshness_days},
                created_at=now,
            )
            for lead_id in ids
        )
        return moved


def leads_expire_stale(*, now: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Move every available lead older than its segment's freshness limit to expired.

    Returns how many leads were moved."""
    now = now or timezone.now()
    expired = 0
    for segment in Segment.objects.order_by("pk"):
        cutoff = freshness_cutoff(segment, now)
        while True:
            moved = _expire_batch(segment=segment, cutoff=cutoff, batch_size=batch_size, now=now)
            expired += moved
            if moved < batch_size:
                break
    return expired
