"""Dashboards over sales: spend, funnel, cost per conversion, returns, flags and per-day series.

Sales are written as rows here (the purchase service belongs to the buyers' pages); the
selectors read them as they will read real ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import (
    Lead,
    ModerationFlag,
    Outcome,
    Sale,
    SaleStatus,
)
from marketplace.selectors.dashboards import (
    buyer_dashboard,
    moderator_dashboard,
    supplier_dashboard,
)
from marketplace.selectors.sales_figures import DAYS
from suppliers.services import lead_submit
from tests.factories import lead_payload
from tests.web.conftest import browser

pytestmark = pytest.mark.django_db


def sell(
    lead: Lead, buyer, *, price: int, status=SaleStatus.DELIVERED, outcome=Outcome.NEW, days_ago=0
):
    now = timezone.now() - timedelta(days=days_ago)
    return Sale.objects.create(
        lead=lead,
        buyer=buyer,
        supplier=lead.supplier,
        segment=lead.segment,
        billing_model="cpl",
        price_cents=price,
        currency="USD",
        commission_percent=20,
        status=status,
        outcome=outcome,
        purchased_at=now,
        return_deadline=now + timedelta(days=3),
    )


def leads_of(actor, n: int, prefix: str) -> list[Lead]:
    for i in range(n):
        lead_submit(
            supplier=actor.organization,
            payload=lead_payload(
                external_id=f"{prefix}-{i}",
                phone=f"+48 601 2{i:02d} {len(prefix):03d}",
                email=f"{prefix}{i}@example.pl",
            ),
        )
    return list(Lead.objects.filter(supplier=actor.organization).order_by("external_id"))


@pytest.fixture
def market(supplier_a, supplier_b, buyer_a):
    """Buyer A bought 3 leads from supplier A and 1 from supplier B."""
    a = leads_of(supplier_a, 3, "a")
    b = leads_of(supplier_b, 1, "bb")
    buyer = buyer_a.organization
    sell(a[0], buyer, price=10_00, outcome=Outcome.CONVERTED)
    sell(a[1], buyer, price=10_00, outcome=Outcome.QUALIFIED, days_ago=2)
    sell(a[2], buyer, price=10_00, status=SaleStatus.RETURNED, outcome=Outcome.UNREACHABLE)
    sell(b[0], buyer, price=25_00, outcome=Outcome.CONTACTED, days_ago=DAYS + 5)
    return {"supplier_a": supplier_a, "supplier_b": supplier_b, "buyer_a": buyer_a}


def test_buyer_dashboard_with_no_purchases_is_all_zeros(buyer_a):
    figures = buyer_dashboard(buyer=buyer_a.organization)

    assert figures.purchases.total == 0
    assert figures.purchases.spend_cents == 0
    assert figures.by_supplier == []
    assert [count for _code, _label, count in figures.funnel] == [0, 0, 0, 0]
    assert len(figures.per_day) == DAYS
    assert all(day.values == {"bought": 0, "spend_cents": 0} for day in figures.per_day)


def test_buyer_spend_excludes_returns_and_funnel_counts_leads_that_got_further(market):
    figures = buyer_dashboard(buyer=market["buyer_a"].organization)

    assert figures.purchases.total == 4
    assert figures.purchases.returned == 1
    assert figures.purchases.spend_cents == 10_00 + 10_00 + 25_00
    # bought 4; contacted or further 3; qualified or further 2; converted 1
    assert [(code, count) for code, _label, count in figures.funnel] == [
        ("new", 4),
        ("contacted", 3),
        ("qualified", 2),
        ("converted", 1),
    ]
    assert dict((code, n) for code, _label, n in figures.lost) == {"unreachable": 1, "refused": 0}


def test_cost_per_conversion_is_spend_over_conversions_per_supplier(market):
    figures = buyer_dashboard(buyer=market["buyer_a"].organization)

    by_supplier = {group.name: group for group in figures.by_supplier}
    supplier_a = by_supplier[market["supplier_a"].organization.name]
    supplier_b = by_supplier[market["supplier_b"].organization.name]
    assert (supplier_a.figures.total, supplier_a.figures.spend_cents) == (3, 20_00)
    assert supplier_a.cost_per_conversion_cents == 20_00
    assert supplier_b.cost_per_conversion_cents is None


def test_per_day_series_cover_the_span_and_leave_out_older_sales(market):
    figures = buyer_dashboard(buyer=market["buyer_a"].organization)

    assert [day.day for day in figures.per_day] == sorted(day.day for day in figures.per_day)
    assert figures.per_day[-1].day == timezone.now().date()
    assert sum(day.values["bought"] for day in figures.per_day) == 3
    assert sum(day.values["spend_cents"] for day in figures.per_day) == 20_00
    assert figures.per_day[-3].values["bought"] == 1


def test_supplier_dashboard_counts_its_sales_and_returns(market):
    figures = supplier_dashboard(supplier=market["supplier_a"].organization)

    assert (figures.sales.total, figures.sales.returned) == (3, 1)
    assert figures.sales.returned_share == round(100 / 3, 1)
    assert sum(day.values["total"] for day in figures.per_day) == 3


def test_moderator_sees_open_flags_flagged_suppliers_and_return_rates(market, moderator):
    supplier = market["supplier_a"].organization
    ModerationFlag.objects.create(organization=supplier, code="poor_rating", message="Rating fell")
    ModerationFlag.objects.create(
        organization=supplier, code="old", message="done", resolved_at=timezone.now()
    )
    market["supplier_b"].organization.holds_new_leads = True
    market["supplier_b"].organization.save()

    figures = moderator_dashboard()

    assert figures.open_flags == 1
    assert [flag.code for flag in figures.recent_flags] == ["poor_rating"]
    flagged = {org.name: org.open_flags for org in figures.flagged_suppliers}
    assert flagged == {supplier.name: 1, market["supplier_b"].organization.name: 0}
    assert (figures.sales_all.total, figures.sales_all.returned) == (4, 1)
    assert (figures.sales_month.total, figures.sales_month.returned) == (3, 1)
    assert sum(day.values["sold"] for day in figures.per_day) == 3
    assert sum(day.values["leads"] for day in figures.per_day) == 4


def test_dashboard_pages_show_the_figures_and_chart_data(market, moderator):
    buyer_page = browser(market["buyer_a"].user).get(reverse("dashboard")).content.decode()
    supplier_page = browser(market["supplier_a"].user).get(reverse("dashboard")).content.decode()
    moderator_page = browser(moderator.user).get(reverse("dashboard")).content.decode()

    assert "45.00 USD" in buyer_page  # spend
    assert "Cost per conversion" in buyer_page
    assert 'id="buyer-funnel-data"' in buyer_page
    assert 'id="supplier-per-day-data"' in supplier_page
    assert "Earnings pending" in supplier_page
    assert 'id="platform-per-day-data"' in moderator_page
    assert "Return rate, last 30 days" in moderator_page


def test_dashboard_speaks_the_browsers_language_with_local_money(market):
    client = browser(market["buyer_a"].user)

    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert '<html lang="ru">' in page
    assert "45,00 USD" in page


def test_moderator_dashboard_counts_open_disputes_and_links_the_queue(moderator):
    page = browser(moderator.user).get(reverse("dashboard")).content.decode()

    assert "Open disputes" in page
    assert reverse("quality:dispute_queue") in page


def test_supplier_dashboard_charts_its_rating_history(supplier_a):
    from quality.models import RatingHistory

    today = timezone.now().date()
    for days_ago, score in ((2, 71), (1, 68), (0, 74)):
        RatingHistory.objects.create(
            organization=supplier_a.organization,
            day=today - timedelta(days=days_ago),
            score=score,
            tier="B",
        )

    page = browser(supplier_a.user).get(reverse("dashboard")).content.decode()

    island = page.split('id="supplier-rating-trend-data" type="application/json">', 1)[1]
    assert island.split("</script>", 1)[0].count('"values": [71, 68, 74]') == 1
    assert reverse("quality:my_rating") in page
