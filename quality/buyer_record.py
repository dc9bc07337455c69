"""The buyer's record in the auto-accept rule.

When ``respond_by`` passes without the supplier's answer, a return is accepted
automatically unless the buyer's record says a moderator should look first:

- **rejected share**: over the rating window, more than
  ``QUALITY_BUYER_REJECTED_PERCENT`` of the buyer's decided returns (accepted,
  refunded or rejected, in any segment) were rejected by a moderator, once it has
  at least ``QUALITY_BUYER_MIN_DECIDED_RETURNS`` decided;
- **return rate**: in the return's segment, over the rating window, the buyer's
  returns per purchase are above ``QUALITY_BUYER_RETURN_RATE_LIMIT_PERCENT`` of
  the other buyers' rate there, once it has at least
  ``QUALITY_BUYER_MIN_PURCHASES`` purchases in the segment (and the others too).

Returns the platform confirmed by an objective check are accepted when they are
requested and never reach this rule; they are also left out of the return rate,
so a buyer sold many dead phones is not counted as one who returns too much.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from marketplace.models import Sale
from quality.models import REVERSED_RETURN_STATUSES, DecidedBy, Return, ReturnStatus

REJECTED_SHARE = "rejected_share"
RETURN_RATE = "return_rate"


@dataclass(frozen=True)
class BuyerRecordFlag:
    """Why the buyer's record sends an unanswered return to a moderator."""

    rule: str
    count: int  # rejected returns, or the buyer's returns in the segment
    total: int  # decided returns, or the buyer's purchases in the segment
    percent: float  # the buyer's share
    limit_percent: float  # the share above which a moderator decides

    def as_dict(self) -> dict:
        return asdict(self)


def buyer_record_text(grounds: dict) -> str:
    """The moderator's one-line reading of a flag stored as ``BuyerRecordFlag.as_dict``."""
    values = {
        "count": grounds.get("count", 0),
        "total": grounds.get("total", 0),
        "percent": f"{float(grounds.get('percent', 0)):.1f}",
        "limit": f"{float(grounds.get('limit_percent', 0)):.1f}",
    }
    if grounds.get("rule") == REJECTED_SHARE:
        return (
            _(
                "Moderators rejected %(count)s of the buyer's %(total)s decided returns "
                "(%(percent)s%%, above %(limit)s%%)."
            )
            % values
        )
    if grounds.get("rule") == RETURN_RATE:
        return (
            _(
                "The buyer returned %(count)s of its %(total)s purchases in this segment "
                "(%(percent)s%%, above %(limit)s%%: the limit over other buyers' rate)."
            )
            % values
        )
    return ""


def _rejected_share(buyer_id: object, since: datetime) -> BuyerRecordFlag | None:
    row = Return.objects.filter(buyer_id=buyer_id, created_at__gte=since).aggregate(
        decided=Count(
            "id", filter=Q(status__in=(*REVERSED_RETURN_STATUSES, ReturnStatus.REJECTED))
        ),
        rejected=Count("id", filter=Q(status=ReturnStatus.REJECTED)),
    )
    decided, rejected = row["decided"], row["rejected"]
    limit = settings.QUALITY_BUYER_REJECTED_PERCENT
    if decided < settings.QUALITY_BUYER_MIN_DECIDED_RETURNS or rejected * 100 <= limit * decided:
        return None
    return BuyerRecordFlag(REJECTED_SHARE, rejected, decided, 100 * rejected / decided, limit)


def _segment_totals(segment_id: object, since: datetime) -> tuple[int, int]:
    """Every buyer's purchases and returns (not confirmed by a check) in the segment."""
    sales = Sale.objects.filter(segment_id=segment_id, purchased_at__gte=since).count()
    returns = (
        Return.objects.filter(segment_id=segment_id, created_at__gte=since)
        .exclude(decided_by=DecidedBy.CHECK)
        .count()
    )
    return sales, returns


def _return_rate(
    buyer_id: object, segment_id: object, since: datetime, segment_totals: dict | None
) -> BuyerRecordFlag | None:
    minimum = settings.QUALITY_BUYER_MIN_PURCHASES
    bought = Sale.objects.filter(
        buyer_id=buyer_id, segment_id=segment_id, purchased_at__gte=since
    ).count()
    if bought < minimum:
        return None
    # The segment's totals are the costly part (every buyer's sales over the window):
    # one pass of the beat task counts them once per segment.
    totals = segment_totals.get(segment_id) if segment_totals is not None else None
    if totals is None:
        totals = _segment_totals(segment_id, since)
        if segment_totals is not None:
            segment_totals[segment_id] = totals
    returned = (
        Return.objects.filter(buyer_id=buyer_id, segment_id=segment_id, created_at__gte=since)
        .exclude(decided_by=DecidedBy.CHECK)
        .count()
    )
    others_bought, others_returned = totals[0] - bought, totals[1] - returned
    if others_bought < minimum:
        return None
    limit = settings.QUALITY_BUYER_RETURN_RATE_LIMIT_PERCENT * others_returned / others_bought
    rate = 100 * returned / bought
    if rate <= limit:
        return None
    return BuyerRecordFlag(RETURN_RATE, returned, bought, rate, limit)


def buyer_record_flag(
    *, buyer_id: object, segment_id: object, at: datetime, segment_totals: dict | None = None
) -> BuyerRecordFlag | None:
    """The first of the two rules the buyer's record breaks at ``at``, or None.

    ``segment_totals`` (segment id → every buyer's purchases and returns), shared by
    the calls of one pass at the same ``at``, saves counting a segment again."""
    since = at - timedelta(days=settings.QUALITY_RATING_WINDOW_DAYS)
    return _rejected_share(buyer_id, since) or _return_rate(
        buyer_id, segment_id, since, segment_totals
    )
