"""Figures for the dashboards: one small set of aggregate queries per role.

Every function here runs a fixed number of queries, whatever the number of
leads or segments (no N+1), and returns plain data the templates can show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from marketplace.models import (
    Lead,
    LeadStatus,
    Membership,
    ModerationFlag,
    Organization,
    OrganizationKind,
    Outcome,
    RejectionReason,
    Sale,
    Segment,
)
from marketplace.money import format_cents
from marketplace.selectors.sales_figures import (
    CHARGED,
    DayCounts,
    SalesFigures,
    SalesGroup,
    per_day,
    sales_aggregates,
    sales_figures,
    sales_groups,
    share,
    span_start,
)

RECENT_LEADS = 10
RECENT_FLAGS = 10
_REJECTED = Q(status=LeadStatus.REJECTED)


def mask_phone(phone: str) -> str:
    """``+48601234567`` → ``+48 ••• ••• 567``: enough to recognise, not to call."""
    if not phone:
        return ""
    digits = phone.lstrip("+")
    if len(digits) <= 5:
        return "•" * len(phone)
    prefix = "+" if phone.startswith("+") else ""
    return f"{prefix}{digits[:2]} ••• ••• {digits[-3:]}"


@dataclass(frozen=True)
class LeadCounts:
    total: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def rejected_share(self) -> float | None:
        return share(self.rejected, self.total)


@dataclass(frozen=True)
class SegmentLeadCounts:
    slug: str
    name: str
    counts: LeadCounts


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class RecentLead:
    id: str
    external_id: str
    segment_name: str
    status: str
    status_label: str
    rejection_reasons: list[str]
    rejection_labels: list[str]
    name: str
    masked_phone: str
    country: str
    sales_count: int
    max_sales: int
    created_at: object


@dataclass(frozen=True)
class SupplierDashboard:
    counts: LeadCounts
    by_segment: list[SegmentLeadCounts]
    by_reason: list[ReasonCount]
    by_status: dict[str, int]
    recent: list[RecentLead]
    per_day: list[DayCounts] = field(default_factory=list)
    sales: SalesFigures = field(default_factory=SalesFigures)
    rating_score: int | None = None
    rating_tier: str = ""


@dataclass(frozen=True)
class SegmentAvailability:
    slug: str
    name: str
    description: str
    available: int
    default_price: str
    default_price_cents: int
    default_cpa_price: str
    return_window_hours: int


@dataclass(frozen=True)
class BuyerDashboard:
    segments: list[SegmentAvailability]
    members_count: int
    purchases: SalesFigures = field(default_factory=SalesFigures)
    by_segment: list[SalesGroup] = field(default_factory=list)
    by_supplier: list[SalesGroup] = field(default_factory=list)
    funnel: list[tuple[str, str, int]] = field(default_factory=list)
    lost: list[tuple[str, str, int]] = field(default_factory=list)
    per_day: list[DayCounts] = field(default_factory=list)

    @property
    def available_total(self) -> int:
        return sum(segment.available for segment in self.segments)


@dataclass(frozen=True)
class ModeratorDashboard:
    organizations_by_kind: list[tuple[str, str, int]]
    organizations_total: int
    leads_today: LeadCounts
    leads_week: LeadCounts
    leads_all: LeadCounts
    by_reason_week: list[ReasonCount] = field(default_factory=list)
    open_flags: int = 0
    recent_flags: list[ModerationFlag] = field(default_factory=list)
    flagged_suppliers: list[Organization] = field(default_factory=list)
    sales_all: SalesFigures = field(default_factory=SalesFigures)
    sales_month: SalesFigures = field(default_factory=SalesFigures)
    returns_by_segment: list[SalesGroup] = field(default_factory=list)
    per_day: list[DayCounts] = field(default_factory=list)


def _counts(row: dict, prefix: str = "") -> LeadCounts:
    return LeadCounts(
        total=row[f"{prefix}total"] or 0,
        accepted=row[f"{prefix}accepted"] or 0,
        rejected=row[f"{prefix}rejected"] or 0,
    )


def _count_aggregates(prefix: str = "", extra: Q | None = None) -> dict:
    base = extra if extra is not None else Q()
    return {
        f"{prefix}total": Count("pk", filter=base) if extra is not None else Count("pk"),
        f"{prefix}accepted": Count("pk", filter=base & ~_REJECTED),
        f"{prefix}rejected": Count("pk", filter=base & _REJECTED),
    }


def _reason_counts(leads) -> list[ReasonCount]:
    """Rejected leads per reason. A lead may carry several reasons, so rows are
    grouped by their (few) distinct reason lists and split here: portable
    across PostgreSQL and SQLite, and one query."""
    tally: dict[str, int] = {}
    rows = (
        leads.filter(_REJECTED)
        .order_by()
        .values("rejection_reasons")
        .annotate(n=Count("pk"))
        .values_list("rejection_reasons", "n")
    )
    for reasons, n in rows:
        for code in reasons or ["unknown"]:
            tally[code] = tally.get(code, 0) + n
    labels = dict(RejectionReason.choices)
    return sorted(
        (
            ReasonCount(code=code, label=labels.get(code, code), count=n)
            for code, n in tally.items()
        ),
        key=lambda item: (-item.count, item.code),
    )


def _short_reason(code: str) -> str:
    """ "Duplicate: the same person…" → "Duplicate": the label's head, for tight tables."""
    label = dict(RejectionReason.choices).get(code, code)
    return str(label).split(":", 1)[0]


def supplier_dashboard(*, supplier: Organization) -> SupplierDashboard:
    leads = Lead.objects.filter(supplier=supplier)
    counts = _counts(leads.aggregate(**_count_aggregates()))
    by_segment = [
        SegmentLeadCounts(slug=row["segment__slug"], name=row["segment__name"], counts=_counts(row))
        for row in leads.order_by()
        .values("segment__slug", "segment__name")
        .annotate(**_count_aggregates())
        .order_by("segment__name")
    ]
    by_status = dict(
        leads.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    status_labels = dict(LeadStatus.choices)
    recent = [
        RecentLead(
            id=str(lead.pk),
            external_id=lead.external_id,
            segment_name=lead.segment.name,
            status=lead.status,
            status_label=status_labels.get(lead.status, lead.status),
            rejection_reasons=list(lead.rejection_reasons or []),
            rejection_labels=[_short_reason(code) for code in lead.rejection_reasons or []],
            name=" ".join(part for part in (lead.first_name, lead.last_name[:1]) if part)
            + ("." if lead.last_name else ""),
            masked_phone=mask_phone(lead.phone),
            country=lead.country,
            sales_count=lead.sales_count,
            max_sales=lead.max_sales,
            created_at=lead.created_at,
        )
        for lead in leads.select_related("segment").order_by("-created_at", "-id")[:RECENT_LEADS]
    ]
    return SupplierDashboard(
        counts=counts,
        by_segment=by_segment,
        by_reason=_reason_counts(leads),
        by_status={status: by_status.get(status, 0) for status in LeadStatus.values},
        recent=recent,
        per_day=per_day(leads, "created_at", _count_aggregates()),
        sales=sales_figures(Sale.objects.filter(supplier=supplier).aggregate(**sales_aggregates())),
        rating_score=supplier.rating_score,
        rating_tier=supplier.rating_tier,
    )


def buyer_dashboard(*, buyer: Organization) -> BuyerDashboard:
    # A buyer that also sells never buys its own leads, so they are not counted.
    available = Q(leads__status=LeadStatus.AVAILABLE) & ~Q(leads__supplier=buyer)
    segments = [
        SegmentAvailability(
            slug=segment.slug,
            name=segment.name,
            description=segment.description,
            available=segment.available,
            default_price=format_cents(segment.default_price_cents) or "0.00",
            default_price_cents=segment.default_price_cents,
            default_cpa_price=format_cents(segment.default_cpa_price_cents) or "0.00",
            return_window_hours=segment.return_window_hours,
        )
        for segment in Segment.objects.filter(is_active=True)
        .annotate(available=Count("leads", filter=available))
        .order_by("name")
    ]
    members_count = Membership.objects.filter(organization=buyer).count()
    purchases = Sale.objects.filter(buyer=buyer)
    outcomes = dict(
        purchases.order_by().values("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
    )
    return BuyerDashboard(
        segments=segments,
        members_count=members_count,
        purchases=sales_figures(purchases.aggregate(**sales_aggregates())),
        by_segment=sales_groups(purchases, "segment__slug", "segment__name"),
        by_supplier=sales_groups(purchases, "supplier_id", "supplier__name"),
        funnel=_funnel(outcomes),
        lost=[
            (code, label, outcomes.get(code, 0))
            for code, label in Outcome.choices
            if code in (Outcome.UNREACHABLE, Outcome.REFUSED)
        ],
        per_day=per_day(
            purchases,
            "purchased_at",
            {"bought": Count("pk"), "spend_cents": Sum("price_cents", filter=CHARGED)},
        ),
    )


_FUNNEL = [Outcome.NEW, Outcome.CONTACTED, Outcome.QUALIFIED, Outcome.CONVERTED]


def _funnel(outcomes: dict[str, int]) -> list[tuple[str, str, int]]:
    """Bought → contacted → qualified → converted: each stage counts the leads that
    reached it or went further (unreachable and refused leads stop after "bought")."""
    labels = dict(Outcome.choices)
    total = sum(outcomes.values())
    stages = [(Outcome.NEW.value, total)]
    for index, stage in enumerate(_FUNNEL[1:], start=1):
        stages.append((stage.value, sum(outcomes.get(s, 0) for s in _FUNNEL[index:])))
    return [(code, labels[code], count) for code, count in stages]


def moderator_dashboard() -> ModeratorDashboard:
    now = timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_ago = now - timedelta(days=7)
    by_kind = dict(
        Organization.objects.order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    row = Lead.objects.aggregate(
        **_count_aggregates("all_"),
        **_count_aggregates("today_", Q(created_at__gte=today)),
        **_count_aggregates("week_", Q(created_at__gte=week_ago)),
    )
    return ModeratorDashboard(
        organizations_by_kind=[
            (kind, label, by_kind.get(kind, 0)) for kind, label in OrganizationKind.choices
        ],
        organizations_total=sum(by_kind.values()),
        leads_today=_counts(row, "today_"),
        leads_week=_counts(row, "week_"),
        leads_all=_counts(row, "all_"),
        by_reason_week=_reason_counts(Lead.objects.filter(created_at__gte=week_ago)),
        **_moderation_figures(),
    )


def _moderation_figures() -> dict:
    open_flags = ModerationFlag.objects.filter(resolved_at__isnull=True)
    month = Q(purchased_at__date__gte=span_start())
    sales = Sale.objects.aggregate(**sales_aggregates("all_"), **sales_aggregates("month_", month))
    leads = per_day(Lead.objects.all(), "created_at", {"leads": Count("pk")})
    sold = per_day(Sale.objects.all(), "purchased_at", {"sold": Count("pk")})
    return {
        "open_flags": open_flags.count(),
        "recent_flags": list(
            open_flags.select_related("organization").order_by("-created_at")[:RECENT_FLAGS]
        ),
        "flagged_suppliers": list(
            Organization.objects.exclude(kind=OrganizationKind.BUYER)
            .annotate(open_flags=Count("flags", filter=Q(flags__resolved_at__isnull=True)))
            .filter(Q(suspended_at__isnull=False) | Q(holds_new_leads=True) | Q(open_flags__gt=0))
            .order_by("-open_flags", "name")[:RECENT_FLAGS]
        ),
        "sales_all": sales_figures(sales, "all_"),
        "sales_month": sales_figures(sales, "month_"),
        "returns_by_segment": sales_groups(Sale.objects.all(), "segment__slug", "segment__name"),
        "per_day": [
            DayCounts(day=a.day, values={**a.values, **b.values})
            for a, b in zip(leads, sold, strict=True)
        ],
    }
