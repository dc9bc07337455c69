"""Buyers' reads: their purchases, for the API, the pages and the export."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from buyers.ids import as_uuid
from marketplace.errors import NotFound, ValidationFailed
from marketplace.models import BillingModel, Organization, Sale, SaleStatus


def _purchases(buyer: Organization) -> QuerySet[Sale]:
    return Sale.objects.filter(buyer=buyer).select_related(
        "lead", "lead__segment", "segment", "supplier"
    )


def buyer_purchase(*, buyer: Organization, sale_id: object) -> Sale:
    """One of ``buyer``'s purchases; another buyer's, or no such id, is 404 alike."""
    pk = as_uuid(sale_id)
    sale = _purchases(buyer).filter(pk=pk).first() if pk else None
    if sale is None:
        raise NotFound(_("No such purchase."))
    return sale


def purchase_filters_clean(params) -> dict[str, str]:
    """?status=&segment=&billing_model= from a query string; an unknown value is 422."""
    cleaned: dict[str, str] = {}
    for name, allowed in (("status", SaleStatus.values), ("billing_model", BillingModel.values)):
        value = params.get(name) or ""
        if value and value not in allowed:
            raise ValidationFailed(
                _("Unknown %(name)s.") % {"name": name},
                fields={name: [_("Must be one of: %(v)s.") % {"v": ", ".join(allowed)}]},
            )
        if value:
            cleaned[name] = value
    segment = params.get("segment") or ""
    if segment:
        if len(segment) > 50:
            raise ValidationFailed(_("Unknown segment."), fields={"segment": [_("Too long.")]})
        cleaned["segment"] = segment
    return cleaned


def buyer_purchases(
    *,
    buyer: Organization,
    status: str | None = None,
    segment: str | None = None,
    billing_model: str | None = None,
) -> QuerySet[Sale]:
    """The buyer's purchases, newest first (sale ids are time-ordered UUIDv7)."""
    purchases = _purchases(buyer)
    if status:
        purchases = purchases.filter(status=status)
    if segment:
        purchases = purchases.filter(segment__slug=segment)
    if billing_model:
        purchases = purchases.filter(billing_model=billing_model)
    return purchases.order_by("-id")
