"""The supplier rating: a score 0-100 and a tier A-D, per supplier and per
supplier and segment, from what happened to its leads.

Inputs, over the last ``QUALITY_RATING_WINDOW_DAYS`` (sales by purchase time,
leads by arrival), each a count ``k`` out of ``n``:

==================  ==========================================  =====================  ======
metric              k                                           n                      weight
==================  ==========================================  =====================  ======
return              sales returned (accepted or refunded)       sales                  0.35
dispute             contested disputes the supplier lost        sales                  0.10
contact             outcome contacted/qualified/converted       sales with an outcome  0.15
conversion          outcome converted or CPA action reported    sales with an outcome  0.10
action              CPA sales whose action was reported         CPA sales decided      0.10
intake              leads rejected at intake (dup., invalid…)   leads sent             0.20
==================  ==========================================  =====================  ======

**Shrinkage.** Each rate is the posterior mean of a Beta prior centred on the
segment's average ``μ`` (pooled over every supplier in the segment) with the
weight of ``m = QUALITY_RATING_PRIOR_WEIGHT`` pseudo-observations::

    p = (k + m·μ) / (n + m)

so a new supplier (``n = 0``) gets exactly the segment's average, and its own
record takes over as ``n`` grows past ``m``. A segment with no data at all
uses ``DEFAULT_MEANS``. The overall rating pools the segments' counts, with
``μ`` the average of the segments' means weighted by the supplier's ``n`` in each.

**Score.** Each rate becomes a goodness ``g`` in [0, 1], decreasing in the bad
rates and increasing in the good ones, each saturating at a reference value::

    g_return     = 1 - min(1, p_return / 0.5)
    g_dispute    = 1 - min(1, p_dispute / 0.2)
    g_contact    = p_contact
    g_conversion = min(1, p_conversion / 0.3)
    g_action     = min(1, p_action / 0.5)
    g_intake     = 1 - min(1, p_intake / 0.5)
    score        = round(100 · Σ weight · g)        (weights sum to 1: 0 ≤ score ≤ 100)

Tier: A from 80, B from 65, C from 50, D below. The breakdown stores, per
metric, the observed and the shrunk rate, ``n`` and the points it costs
(``100 · weight · (1 - g)``): what pulls the score down.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from marketplace.models import (
    BillingModel,
    Lead,
    LeadStatus,
    Organization,
    Outcome,
    Sale,
    SaleEvent,
    SaleStatus,
)
from quality.models import (
    Dispute,
    DisputeCause,
    DisputeDecision,
    RatingHistory,
    RatingRun,
    Return,
    SupplierRating,
)

WEIGHTS = {
    "return": 0.35,
    "dispute": 0.10,
    "contact": 0.15,
    "conversion": 0.10,
    "action": 0.10,
    "intake": 0.20,
}
# (reference, higher is better): goodness saturates at the reference rate.
REFERENCES = {
    "return": (0.5, False),
    "dispute": (0.2, False),
    "contact": (1.0, True),
    "conversion": (0.3, True),
    "action": (0.5, True),
    "intake": (0.5, False),
}
# Priors where a segment has no data yet.
DEFAULT_MEANS = {
    "return": 0.10,
    "dispute": 0.02,
    "contact": 0.60,
    "conversion": 0.10,
    "action": 0.15,
    "intake": 0.10,
}
TIERS = ((80, "A"), (65, "B"), (50, "C"), (0, "D"))
METRICS = tuple(WEIGHTS)

Counts = dict[str, tuple[int, int]]  # metric → (k, n)


# --- the formula (pure) ------------------------------------------------------------------


def shrunk(k: int, n: int, mean: float, weight: float) -> float:
    return (k + weight * mean) / (n + weight)


def goodness(metric: str, rate: float) -> float:
    reference, higher_is_better = REFERENCES[metric]
    scaled = min(1.0, max(0.0, rate) / reference)
    return scaled if higher_is_better else 1.0 - scaled


def tier_for(score: int) -> str:
    return next(tier for floor, tier in TIERS if score >= floor)


@dataclass(frozen=True)
class Rating:
    score: int
    tier: str
    rates: dict[str, float]  # shrunk
    observed: dict[str, float]
    components: dict[str, dict]


def rating_compute(counts: Counts, means: dict[str, float], *, prior_weight: float) -> Rating:
    """The score of one supplier (or supplier and segment) from its counts."""
    total = 0.0
    rates, observed, components = {}, {}, {}
    for metric in METRICS:
        k, n = counts.get(metric, (0, 0))
        rate = shrunk(k, n, means.get(metric, DEFAULT_MEANS[metric]), prior_weight)
        good = goodness(metric, rate)
        total += WEIGHTS[metric] * good
        rates[metric] = rate
        observed[metric] = k / n if n else 0.0
        components[metric] = {
            "k": k,
            "n": n,
            "observed": round(observed[metric], 4),
            "rate": round(rate, 4),
            "weight": WEIGHTS[metric],
            "points_lost": round(100 * WEIGHTS[metric] * (1 - good), 1),
        }
    score = max(0, min(100, round(100 * total)))
    return Rating(score, tier_for(score), rates, observed, components)


# --- the counts (SQL) --------------------------------------------------------------------


def _counts(since: datetime, supplier_ids: set | None) -> dict[tuple, Counts]:
    """(supplier id, segment id) → metric → (k, n); also (None, segment id) for each
    segment's pool over every supplier."""
    out: dict[tuple, Counts] = defaultdict(dict)
    acted = Q(status=SaleStatus.ACTION_REPORTED) | Q(action_reported_at__isnull=False)
    has_outcome = ~Q(outcome=Outcome.NEW) | acted
    cpa = Q(billing_model=BillingModel.CPA)
    sale_rows = (
        Sale.objects.filter(purchased_at__gte=since)
        .values("supplier_id", "segment_id")
        .annotate(
            n=Count("id"),
            returned=Count("id", filter=Q(status=SaleStatus.RETURNED)),
            with_outcome=Count("id", filter=has_outcome),
            contacted=Count(
                "id",
                filter=Q(outcome__in=[Outcome.CONTACTED, Outcome.QUALIFIED, Outcome.CONVERTED])
                | acted,
            ),
            converted=Count("id", filter=Q(outcome=Outcome.CONVERTED) | acted),
            cpa_decided=Count("id", filter=cpa & (Q(status=SaleStatus.ACTION_EXPIRED) | acted)),
            cpa_acted=Count("id", filter=cpa & acted),
        )
        .order_by()
    )
    lost_rows = (
        Dispute.objects.filter(
            ret__sale__purchased_at__gte=since,
            decision=DisputeDecision.REFUND,
            cause=DisputeCause.CONTESTED,  # a supplier that did not contest lost nothing
        )
        .values("ret__supplier_id", "ret__segment_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    lost = {(r["ret__supplier_id"], r["ret__segment_id"]): r["n"] for r in lost_rows}
    lead_rows = (
        Lead.objects.filter(created_at__gte=since)
        .values("supplier_id", "segment_id")
        .annotate(n=Count("id"), rejected=Count("id", filter=Q(status=LeadStatus.REJECTED)))
        .order_by()
    )

    def add(key: tuple, metric: str, k: int, n: int) -> None:
        old_k, old_n = out[key].get(metric, (0, 0))
        out[key][metric] = (old_k + k, old_n + n)

    for row in sale_rows:
        supplier, segment = row["supplier_id"], row["segment_id"]
        values = {
            "return": (row["returned"], row["n"]),
            "dispute": (lost.get((supplier, segment), 0), row["n"]),
            "contact": (row["contacted"], row["with_outcome"]),
            "conversion": (row["converted"], row["with_outcome"]),
            "action": (row["cpa_acted"], row["cpa_decided"]),
        }
        for metric, (k, n) in values.items():
            add((None, segment), metric, k, n)
            if supplier_ids is None or supplier in supplier_ids:
                add((supplier, segment), metric, k, n)
    for row in lead_rows:
        supplier, segment = row["supplier_id"], row["segment_id"]
        add((None, segment), "intake", row["rejected"], row["n"])
        if supplier_ids is None or supplier in supplier_ids:
            add((supplier, segment), "intake", row["rejected"], row["n"])
    return out


def _means(pool: Counts) -> dict[str, float]:
    return {
        metric: (pool[metric][0] / pool[metric][1])
        if metric in pool and pool[metric][1]
        else DEFAULT_MEANS[metric]
        for metric in METRICS
    }


def _overall(per_segment: dict[int, Counts], segment_means: dict[int, dict]) -> tuple[Counts, dict]:
    pooled: Counts = {}
    means: dict[str, float] = {}
    for metric in METRICS:
        k = sum(c.get(metric, (0, 0))[0] for c in per_segment.values())
        n = sum(c.get(metric, (0, 0))[1] for c in per_segment.values())
        pooled[metric] = (k, n)
        weights = {s: c.get(metric, (0, 0))[1] for s, c in per_segment.items()}
        total = sum(weights.values())
        if total:
            means[metric] = sum(segment_means[s][metric] * w for s, w in weights.items()) / total
        elif per_segment:
            means[metric] = sum(segment_means[s][metric] for s in per_segment) / len(per_segment)
        else:
            means[metric] = DEFAULT_MEANS[metric]
    return pooled, means


# --- recompute and store -----------------------------------------------------------------


def _store(supplier_id, segment_id, rating: Rating, counts: Counts, now: datetime) -> None:
    figures = {
        "score": rating.score,
        "tier": rating.tier,
        "leads_sold": counts.get("return", (0, 0))[1],
        "return_rate": rating.observed["return"],
        "dispute_loss_rate": rating.observed["dispute"],
        "contact_rate": rating.observed["contact"],
        "conversion_rate": rating.observed["conversion"],
        "action_rate": rating.observed["action"],
        "intake_rejection_rate": rating.observed["intake"],
        "components": rating.components,
        "computed_at": now,
    }
    SupplierRating.objects.update_or_create(
        organization_id=supplier_id, segment_id=segment_id, defaults=figures
    )
    RatingHistory.objects.update_or_create(
        organization_id=supplier_id, segment_id=segment_id, day=now.date(), defaults=figures
    )


def ratings_recompute(*, supplier_ids: set | None = None, now: datetime | None = None) -> int:
    """Recompute the given suppliers (None: every supplier); returns how many."""
    from quality.services.standing import standing_enforce

    now = now or timezone.now()
    since = now - timedelta(days=settings.QUALITY_RATING_WINDOW_DAYS)
    weight = settings.QUALITY_RATING_PRIOR_WEIGHT
    counts = _counts(since, supplier_ids)
    segment_means = {seg: _means(c) for (sup, seg), c in counts.items() if sup is None}
    suppliers = Organization.objects.filter(kind__in=["supplier", "both"])
    if supplier_ids is not None:
        suppliers = suppliers.filter(pk__in=supplier_ids)
    done = 0
    for supplier in suppliers.order_by("pk"):
        per_segment = {seg: c for (sup, seg), c in counts.items() if sup == supplier.pk}
        with transaction.atomic():
            for segment_id, segment_counts in per_segment.items():
                rating = rating_compute(
                    segment_counts,
                    segment_means.get(segment_id, DEFAULT_MEANS),
                    prior_weight=weight,
                )
                _store(supplier.pk, segment_id, rating, segment_counts, now)
            pooled, means = _overall(per_segment, segment_means)
            overall = rating_compute(pooled, means, prior_weight=weight)
            _store(supplier.pk, None, overall, pooled, now)
            Organization.objects.filter(pk=supplier.pk).update(
                rating_score=overall.score, rating_tier=overall.tier
            )
            standing_enforce(supplier=supplier, rating=overall, counts=pooled)
        done += 1
    return done


def _changed_suppliers(since: datetime) -> set:
    changed: set = set()
    changed.update(
        SaleEvent.objects.filter(created_at__gte=since).values_list("sale__supplier_id", flat=True)
    )
    changed.update(
        Return.objects.filter(updated_at__gte=since).values_list("supplier_id", flat=True)
    )
    changed.update(
        Dispute.objects.filter(resolved_at__gte=since).values_list("ret__supplier_id", flat=True)
    )
    changed.update(Lead.objects.filter(created_at__gte=since).values_list("supplier_id", flat=True))
    return changed


def ratings_recompute_changed(*, now: datetime | None = None) -> int:
    """Debounced recompute: only suppliers with sale events, returns, disputes or leads
    since the start of the last finished run (the first run does everyone)."""
    now = now or timezone.now()
    last = RatingRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    run = RatingRun.objects.create(kind=RatingRun.Kind.CHANGED, started_at=now)
    supplier_ids = None if last is None else _changed_suppliers(last.started_at)
    done = ratings_recompute(supplier_ids=supplier_ids, now=now) if supplier_ids != set() else 0
    RatingRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), suppliers=done)
    return done


def ratings_recompute_all(*, now: datetime | None = None) -> int:
    """Nightly: every supplier, and so every supplier's daily history row."""
    now = now or timezone.now()
    run = RatingRun.objects.create(kind=RatingRun.Kind.NIGHTLY, started_at=now)
    done = ratings_recompute(now=now)
    RatingRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), suppliers=done)
    return done
