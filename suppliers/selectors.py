from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from marketplace.models import Lead, Organization, Sale


def supplier_leads(
    *, supplier: Organization, status: str | None = None, segment: str | None = None
) -> QuerySet[Lead]:
    # Each lead's sales in one more query for the page (no N+1), with only the
    # buyer's name: a supplier never learns more of its buyers.
    sales = Sale.objects.select_related("buyer").only(
        "id", "lead_id", "billing_model", "price_cents", "status", "purchased_at", "buyer__name"
    )
    leads = (
        Lead.objects.filter(supplier=supplier)
        .select_related("segment")
        .prefetch_related(Prefetch("sales", queryset=sales.order_by("purchased_at", "id")))
    )
    if status:
        leads = leads.filter(status=status)
    if segment:
        leads = leads.filter(segment__slug=segment)
    return leads
