"""A supplier's standing: flags and holds from its rating, and moderators'
suspensions, reinstatements and releases of held leads. Each change is a
``StandingEvent`` row written in the same transaction as the change."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import Conflict, NotFound
from marketplace.models import Lead, LeadStatus, Organization, User
from marketplace.services.flags import flag_raise
from quality.models import StandingChange, StandingEvent
from quality.services.returns import object_id, text_check

RATING_FLAG = "rating_low"


def standing_enforce(*, supplier: Organization, rating, counts: dict) -> None:
    """Flag a supplier below QUALITY_FLAG_SCORE or above the flag return rate, and hold
    its new leads below QUALITY_HOLD_SCORE. A supplier with fewer than
    QUALITY_ENFORCE_MIN_SALES sales and leads is not judged yet (its score is mostly
    the segment's average). Holds are lifted only by a moderator."""
    sales = counts.get("return", (0, 0))[1]
    leads = counts.get("intake", (0, 0))[1]
    if max(sales, leads) < settings.QUALITY_ENFORCE_MIN_SALES:
        return
    reasons = []
    if rating.score < settings.QUALITY_FLAG_SCORE:
        reasons.append(
            _("score %(score)s below %(limit)s")
            % {"score": rating.score, "limit": settings.QUALITY_FLAG_SCORE}
        )
    if (
        sales >= settings.QUALITY_ENFORCE_MIN_SALES
        and rating.observed["return"] * 100 > settings.QUALITY_FLAG_RETURN_RATE_PERCENT
    ):
        reasons.append(
            _("return rate %(rate)s above %(limit)s%%")
            % {
                "rate": f"{rating.observed['return']:.0%}",
                "limit": settings.QUALITY_FLAG_RETURN_RATE_PERCENT,
            }
        )
    if reasons:
        started = timezone.now()
        flag = flag_raise(
            organization=supplier,
            code=RATING_FLAG,
            message=_("Supplier rating: %(reasons)s.") % {"reasons": "; ".join(reasons)},
        )
        if flag.created_at >= started:
            StandingEvent.objects.create(
                organization=supplier,
                kind=StandingChange.FLAGGED,
                reason=flag.message,
                data={"flag_id": str(flag.pk), "score": rating.score},
            )
    if rating.score < settings.QUALITY_HOLD_SCORE and Organization.objects.filter(
        pk=supplier.pk, holds_new_leads=False
    ).update(holds_new_leads=True):
        StandingEvent.objects.create(
            organization=supplier,
            kind=StandingChange.HOLD_STARTED,
            reason=_("Score %(score)s below %(limit)s.")
            % {"score": rating.score, "limit": settings.QUALITY_HOLD_SCORE},
            data={"score": rating.score},
        )


def _supplier(supplier_id: object) -> Organization:
    pk = object_id(supplier_id, what="supplier")
    supplier = Organization.objects.filter(pk=pk, kind__in=["supplier", "both"]).first()
    if supplier is None:
        raise NotFound(_("No such supplier."))
    return supplier


def _change(supplier: Organization, kind: str, moderator: User, reason: str, **data) -> None:
    StandingEvent.objects.create(
        organization=supplier, kind=kind, reason=reason, actor=moderator, data=data
    )


@transaction.atomic
def supplier_suspend(*, supplier_id: object, moderator: User, reason: object) -> Organization:
    """Its leads leave the marketplace (the catalog filters on ``suspended_at``)."""
    reason = text_check(reason, field="reason", required=True)
    supplier = _supplier(supplier_id)
    if not Organization.objects.filter(pk=supplier.pk, suspended_at__isnull=True).update(
        suspended_at=timezone.now(), suspension_reason=reason
    ):
        raise Conflict(_("This supplier is already suspended."))
    _change(supplier, StandingChange.SUSPENDED, moderator, reason)
    supplier.refresh_from_db()
    return supplier


@transaction.atomic
def supplier_reinstate(*, supplier_id: object, moderator: User, reason: object) -> Organization:
    reason = text_check(reason, field="reason", required=True)
    supplier = _supplier(supplier_id)
    if not Organization.objects.filter(pk=supplier.pk, suspended_at__isnull=False).update(
        suspended_at=None, suspension_reason=""
    ):
        raise Conflict(_("This supplier is not suspended."))
    _change(supplier, StandingChange.REINSTATED, moderator, reason)
    supplier.refresh_from_db()
    return supplier


@transaction.atomic
def supplier_hold_set(
    *, supplier_id: object, moderator: User, hold: bool, reason: object
) -> Organization:
    """Start or stop holding the supplier's new leads for review."""
    reason = text_check(reason, field="reason", required=True)
    supplier = _supplier(supplier_id)
    if not Organization.objects.filter(pk=supplier.pk, holds_new_leads=not hold).update(
        holds_new_leads=hold
    ):
        raise Conflict(_("Nothing to change: the hold is already so."))
    kind = StandingChange.HOLD_STARTED if hold else StandingChange.HOLD_ENDED
    _change(supplier, kind, moderator, reason)
    supplier.refresh_from_db()
    return supplier


@transaction.atomic
def held_leads_release(
    *, supplier_id: object, moderator: User, reason: object = "", lead_ids: list | None = None
) -> int:
    """Held leads (all of the supplier's, or the given ones) go on sale; returns how many."""
    reason = text_check(reason, field="reason")
    supplier = _supplier(supplier_id)
    held = Lead.objects.filter(supplier=supplier, status=LeadStatus.HELD)
    if lead_ids is not None:
        held = held.filter(pk__in=[object_id(pk, what="lead") for pk in lead_ids])
    released = [str(pk) for pk in held.values_list("pk", flat=True)]
    count = Lead.objects.filter(pk__in=released, status=LeadStatus.HELD).update(
        status=LeadStatus.AVAILABLE
    )
    if count:
        _change(
            supplier,
            StandingChange.LEADS_RELEASED,
            moderator,
            reason,
            count=count,
            lead_ids=released[:500],
        )
    return count
