from __future__ import annotations

from django.db.models import QuerySet

from marketplace.models import Lead, Organization


def supplier_leads(
    *, supplier: Organization, status: str | None = None, segment: str | None = None
) -> QuerySet[Lead]:
    leads = Lead.objects.filter(supplier=supplier).select_related("segment")
    if status:
        leads = leads.filter(status=status)
    if segment:
        leads = leads.filter(segment__slug=segment)
    return leads
