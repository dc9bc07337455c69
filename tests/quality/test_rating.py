"""The rating formula's properties, its storage, the debounced recompute and
enforcement thresholds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from marketplace.models import LeadStatus, ModerationFlag, Organization, Sale, SaleStatus
from quality.models import RatingHistory, RatingRun, StandingEvent, SupplierRating
from quality.services.rating import (
    DEFAULT_MEANS,
    METRICS,
    rating_compute,
    ratings_recompute,
    ratings_recompute_all,
    ratings_recompute_changed,
    shrunk,
)
from tests.quality.helpers import lead_make, sale_make

BAD = ("return", "dispute", "intake")
GOOD = ("contact", "conversion", "action")
rates = st.fixed_dictionaries({m: st.floats(min_value=0, max_value=1) for m in METRICS})
counts = st.fixed_dictionaries(
    {m: st.tuples(st.integers(0, 500), st.integers(0, 500)) for m in METRICS}
).map(lambda c: {m: (min(k, n), n) for m, (k, n) in c.items()})


# --- the formula ----------------------------------------------------------------------


@hypothesis_settings(max_examples=200, deadline=None)
@given(counts=counts, means=rates, weight=st.integers(1, 200))
def test_score_is_between_0_and_100_with_a_tier(counts, means, weight):
    rating = rating_compute(counts, means, prior_weight=weight)
    assert 0 <= rating.score <= 100
    assert rating.tier in "ABCD"


@hypothesis_settings(max_examples=200, deadline=None)
@given(counts=counts, means=rates, metric=st.sampled_from(METRICS))
def test_score_is_monotone_in_each_metric(counts, means, metric):
    k, n = counts[metric]
    if k == n:
        return
    worse_or_better = dict(counts)
    worse_or_better[metric] = (k + 1, n)
    before = rating_compute(counts, means, prior_weight=30).score
    after = rating_compute(worse_or_better, means, prior_weight=30).score
    if metric in BAD:
        assert after <= before  # one more bad event never raises the score
    else:
        assert after >= before  # one more good event never lowers it


def test_a_new_supplier_starts_from_the_segment_average():
    means = {
        "return": 0.2,
        "dispute": 0.05,
        "contact": 0.5,
        "conversion": 0.1,
        "action": 0.2,
        "intake": 0.1,
    }
    average_supplier = {m: (int(means[m] * 1000), 1000) for m in METRICS}

    new = rating_compute({}, means, prior_weight=30)
    typical = rating_compute(average_supplier, means, prior_weight=30)

    assert new.rates == pytest.approx(means)
    assert new.score == typical.score


def test_shrinkage_pulls_few_observations_towards_the_average_and_fades_with_more():
    mean = 0.1
    # Two sales, both returned: alone that would be a 100% return rate.
    assert shrunk(2, 2, mean, 30) == pytest.approx((2 + 3) / 32)
    few = shrunk(2, 2, mean, 30)
    many = shrunk(200, 200, mean, 30)
    assert mean < few < many < 1
    assert shrunk(0, 0, mean, 30) == mean
    assert abs(shrunk(500, 1000, mean, 30) - 0.5) < 0.02


def test_a_perfect_record_beats_the_average_and_a_bad_one_loses_to_it():
    means = DEFAULT_MEANS
    perfect = {
        "return": (0, 300),
        "dispute": (0, 300),
        "contact": (300, 300),
        "conversion": (90, 300),
        "action": (100, 200),
        "intake": (0, 300),
    }
    bad = {
        "return": (150, 300),
        "dispute": (60, 300),
        "contact": (30, 300),
        "conversion": (0, 300),
        "action": (0, 200),
        "intake": (150, 300),
    }
    average = rating_compute({}, means, prior_weight=30).score

    assert rating_compute(perfect, means, prior_weight=30).score > average
    assert rating_compute(bad, means, prior_weight=30).score < average
    assert rating_compute(bad, means, prior_weight=30).tier == "D"


def test_breakdown_names_what_costs_points():
    rating = rating_compute({"return": (100, 200)}, DEFAULT_MEANS, prior_weight=30)
    worst = max(rating.components.items(), key=lambda item: item[1]["points_lost"])
    assert worst[0] == "return"
    assert rating.components["return"]["observed"] == 0.5


# --- storage and recompute ----------------------------------------------------------------


@pytest.mark.django_db
def test_recompute_stores_latest_history_and_the_organization_fields(buyer, supplier):
    for _ in range(3):
        sale_make(buyer, supplier)
    returned = sale_make(buyer, supplier)
    Sale.objects.filter(pk=returned.pk).update(status=SaleStatus.RETURNED)

    assert ratings_recompute_all() >= 1

    overall = SupplierRating.objects.get(organization=supplier, segment__isnull=True)
    per_segment = SupplierRating.objects.get(organization=supplier, segment=returned.segment)
    assert overall.leads_sold == 4
    assert overall.return_rate == 0.25
    assert per_segment.score == overall.score
    supplier.refresh_from_db()
    assert supplier.rating_score == overall.score
    assert supplier.rating_tier == overall.tier
    assert (
        RatingHistory.objects.filter(organization=supplier, day=timezone.now().date()).count() == 2
    )
    ratings_recompute_all()  # the same day again: still one history row per day
    assert RatingHistory.objects.filter(organization=supplier, segment__isnull=True).count() == 1


@pytest.mark.django_db
def test_more_returns_lower_the_stored_score(buyer, supplier, supplier_b):
    other = supplier_b.organization
    for _ in range(10):
        sale_make(buyer, supplier)
    bad_sales = [sale_make(buyer, other) for _ in range(10)]
    Sale.objects.filter(pk__in=[s.pk for s in bad_sales[:6]]).update(status=SaleStatus.RETURNED)

    ratings_recompute()

    supplier.refresh_from_db()
    other.refresh_from_db()
    assert other.rating_score < supplier.rating_score


@pytest.mark.django_db
def test_debounced_recompute_only_touches_suppliers_with_news(buyer, supplier, supplier_b):
    sale_make(buyer, supplier)
    lead_make(supplier_b.organization)
    assert ratings_recompute_changed() == 2  # first run: everyone
    first = SupplierRating.objects.get(organization=supplier_b.organization, segment__isnull=True)

    later = timezone.now() + timedelta(minutes=5)
    sale = sale_make(buyer, supplier)
    from marketplace.models import SaleEvent

    SaleEvent.objects.create(sale=sale, kind="outcome")
    assert ratings_recompute_changed(now=later) == 1

    again = SupplierRating.objects.get(organization=supplier_b.organization, segment__isnull=True)
    assert again.computed_at == first.computed_at
    assert RatingRun.objects.filter(finished_at__isnull=False).count() == 2
    assert ratings_recompute_changed(now=later + timedelta(minutes=5)) == 0


# --- enforcement -------------------------------------------------------------------------


def _bad_supplier(buyer, supplier, n=20, returned=12):
    sales = [sale_make(buyer, supplier) for _ in range(n)]
    Sale.objects.filter(pk__in=[s.pk for s in sales[:returned]]).update(status=SaleStatus.RETURNED)


@pytest.mark.django_db
def test_a_poor_supplier_is_flagged_once(buyer, supplier, settings):
    settings.QUALITY_ENFORCE_MIN_SALES = 20
    settings.QUALITY_HOLD_SCORE = 0
    _bad_supplier(buyer, supplier)

    ratings_recompute()
    ratings_recompute()

    flag = ModerationFlag.objects.get(organization=supplier, code="rating_low")
    assert "return rate 60%" in flag.message
    assert StandingEvent.objects.filter(organization=supplier, kind="flagged").count() == 1
    supplier.refresh_from_db()
    assert supplier.holds_new_leads is False


@pytest.mark.django_db
def test_below_the_lower_bound_new_leads_are_held(buyer, supplier, settings):
    settings.QUALITY_ENFORCE_MIN_SALES = 20
    settings.QUALITY_HOLD_SCORE = 100  # any score is below it
    _bad_supplier(buyer, supplier)

    ratings_recompute()

    supplier.refresh_from_db()
    assert supplier.holds_new_leads is True
    assert StandingEvent.objects.get(organization=supplier, kind="hold_started").actor is None
    assert lead_make(supplier).status == LeadStatus.HELD


@pytest.mark.django_db
def test_a_supplier_with_too_few_sales_is_not_judged(buyer, supplier, settings):
    settings.QUALITY_ENFORCE_MIN_SALES = 50
    settings.QUALITY_HOLD_SCORE = 100
    _bad_supplier(buyer, supplier)

    ratings_recompute()

    assert not ModerationFlag.objects.filter(organization=supplier).exists()
    assert Organization.objects.get(pk=supplier.pk).holds_new_leads is False


@pytest.mark.django_db
def test_only_contested_disputes_lost_count_against_the_supplier(buyer, supplier, moderator):
    from quality.models import Dispute, DisputeCause
    from quality.services import dispute_resolve, return_contest, return_request

    contested = return_request(buyer=buyer, sale_id=sale_make(buyer, supplier).pk, reason="fake")
    return_contest(supplier=supplier, return_id=contested.pk, comment="Good lead")
    capped = return_request(buyer=buyer, sale_id=sale_make(buyer, supplier).pk, reason="fake")
    Dispute.objects.create(ret=capped, cause=DisputeCause.RETURN_CAP)
    capped.__class__.objects.filter(pk=capped.pk).update(status="disputed")
    for dispute in Dispute.objects.all():
        dispute_resolve(dispute_id=dispute.pk, moderator=moderator.user, decision="refund")

    ratings_recompute()

    overall = SupplierRating.objects.get(organization=supplier, segment__isnull=True)
    assert overall.components["dispute"]["k"] == 1
    assert overall.components["return"]["k"] == 2
