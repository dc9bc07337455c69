"""Quality's reads, shared by the API, the pages and the services' rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from marketplace.models import Lead, LeadStatus, ModerationFlag, Organization, Sale
from quality.models import (
    REVERSED_RETURN_STATUSES,
    Dispute,
    DisputeDecision,
    DisputeStatus,
    Evidence,
    OptOutRequest,
    OptOutStatus,
    RatingHistory,
    Return,
    StandingEvent,
    SupplierRating,
)


def _month(at: datetime) -> tuple[datetime, datetime]:
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def buyer_over_return_cap(*, buyer_id: object, supplier_id: object, at: datetime) -> bool:
    """Is the buyer's count of returns against this supplier in ``at``'s month above
    QUALITY_RETURN_CAP_PERCENT of its purchases from it that month?"""
    start, end = _month(at)
    returns = Return.objects.filter(
        buyer_id=buyer_id, supplier_id=supplier_id, created_at__gte=start, created_at__lt=end
    ).count()
    purchases = Sale.objects.filter(
        buyer_id=buyer_id, supplier_id=supplier_id, purchased_at__gte=start, purchased_at__lt=end
    ).count()
    return returns * 100 > settings.QUALITY_RETURN_CAP_PERCENT * max(purchases, 1)


# --- lists ------------------------------------------------------------------------------


def organization_returns(*, organization: Organization, status: str | None = None) -> QuerySet:
    """Returns against this organization's leads and its own requests, newest first."""
    returns = (
        Return.objects.filter(Q(buyer=organization) | Q(supplier=organization))
        .select_related("sale", "segment", "buyer", "supplier", "dispute")
        .prefetch_related("evidence")
        # The supplier's own id of the lead tells which one a return is about; the
        # lead's encrypted columns stay unread.
        .annotate(lead_external_id=F("sale__lead__external_id"))
    )
    if status:
        returns = returns.filter(status=status)
    return returns


def dispute_queue() -> QuerySet[Dispute]:
    """Open disputes, oldest first, with everything a moderator reads."""
    return (
        Dispute.objects.filter(status=DisputeStatus.OPEN)
        .select_related(
            "ret__sale__lead", "ret__segment", "ret__buyer", "ret__supplier", "ret__requested_by"
        )
        .prefetch_related("ret__evidence", "ret__events")
        .order_by("created_at", "id")
    )


def recently_resolved_disputes(limit: int = 20) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(status=DisputeStatus.RESOLVED)
        .select_related("ret__buyer", "ret__supplier", "resolved_by")
        .order_by("-resolved_at")[:limit]
    )


def evidence_for(
    *, evidence_id: object, user, organization: Organization | None
) -> Evidence | None:
    """An evidence row its viewer may open: a moderator, or either side of the return."""
    evidence = Evidence.objects.select_related("ret").filter(pk=evidence_id).first()
    if evidence is None:
        return None
    if getattr(user, "is_moderator", False):
        return evidence
    if organization is not None and organization.pk in (
        evidence.ret.buyer_id,
        evidence.ret.supplier_id,
    ):
        return evidence
    return None


# --- each side's record -----------------------------------------------------------------


@dataclass(frozen=True)
class PartyRecord:
    """A buyer's or a supplier's history with returns and disputes."""

    sales: int
    returns: int
    returns_reversed: int
    disputes: int
    disputes_lost: int

    @property
    def return_rate(self) -> float:
        return self.returns_reversed / self.sales if self.sales else 0.0

    @property
    def request_rate(self) -> float:
        return self.returns / self.sales if self.sales else 0.0


def _records(side: str, ids: set) -> dict[object, PartyRecord]:
    sales = dict(
        Sale.objects.filter(**{f"{side}_id__in": ids})
        .values_list(f"{side}_id")
        .annotate(n=Count("id"))
        .values_list(f"{side}_id", "n")
    )
    returns = {
        row[f"{side}_id"]: row
        for row in Return.objects.filter(**{f"{side}_id__in": ids})
        .values(f"{side}_id")
        .annotate(
            n=Count("id"), reversed=Count("id", filter=Q(status__in=REVERSED_RETURN_STATUSES))
        )
    }
    # A buyer loses a dispute when the return is rejected; a supplier when it is refunded.
    losing = DisputeDecision.REJECT if side == "buyer" else DisputeDecision.REFUND
    disputes = {
        row[f"ret__{side}_id"]: row
        for row in Dispute.objects.filter(**{f"ret__{side}_id__in": ids})
        .values(f"ret__{side}_id")
        .annotate(n=Count("id"), lost=Count("id", filter=Q(decision=losing)))
    }
    empty: dict = {}
    return {
        pk: PartyRecord(
            sales=sales.get(pk, 0),
            returns=returns.get(pk, empty).get("n", 0),
            returns_reversed=returns.get(pk, empty).get("reversed", 0),
            disputes=disputes.get(pk, empty).get("n", 0),
            disputes_lost=disputes.get(pk, empty).get("lost", 0),
        )
        for pk in ids
    }


def buyer_records(buyer_ids: set) -> dict[object, PartyRecord]:
    return _records("buyer", set(buyer_ids))


def supplier_records(supplier_ids: set) -> dict[object, PartyRecord]:
    return _records("supplier", set(supplier_ids))


# --- ratings ----------------------------------------------------------------------------


def supplier_rating(*, supplier: Organization) -> SupplierRating | None:
    return SupplierRating.objects.filter(organization=supplier, segment__isnull=True).first()


def supplier_segment_ratings(*, supplier: Organization) -> QuerySet[SupplierRating]:
    return (
        SupplierRating.objects.filter(organization=supplier, segment__isnull=False)
        .select_related("segment")
        .order_by("segment__slug")
    )


def public_supplier(*, supplier_id: object) -> Organization | None:
    return (
        Organization.objects.filter(pk=supplier_id, kind__in=["supplier", "both"])
        .only("id", "name", "kind", "rating_score", "rating_tier", "suspended_at", "created_at")
        .first()
    )


def standing_history(*, supplier: Organization, limit: int = 20) -> QuerySet[StandingEvent]:
    return StandingEvent.objects.filter(organization=supplier).select_related("actor")[:limit]


def rating_history(*, supplier_id: object, days: int = 90) -> list[RatingHistory]:
    """The supplier's overall daily rating rows, oldest first."""
    since = (timezone.now() - timedelta(days=days)).date()
    return list(
        RatingHistory.objects.filter(
            organization_id=supplier_id, segment__isnull=True, day__gte=since
        ).order_by("day")
    )


def buyer_purchase(*, buyer: Organization, sale_id: object) -> Sale | None:
    return Sale.objects.select_related("segment", "lead").filter(pk=sale_id, buyer=buyer).first()


def held_lead_count(*, supplier: Organization) -> int:
    return Lead.objects.filter(supplier=supplier, status=LeadStatus.HELD).count()


def open_flags(*, organization: Organization) -> QuerySet[ModerationFlag]:
    return ModerationFlag.objects.filter(organization=organization, resolved_at__isnull=True)


def supplier_return(*, supplier: Organization, return_id: object) -> Return | None:
    return Return.objects.filter(pk=return_id, supplier=supplier).first()


def optout_queue() -> QuerySet[OptOutRequest]:
    """Phone opt-outs waiting for a moderator, oldest first."""
    return OptOutRequest.objects.filter(status=OptOutStatus.AWAITING_REVIEW).order_by("created_at")
