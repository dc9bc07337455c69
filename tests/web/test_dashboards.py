"""Dashboards show real figures, per role, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace.models import Lead, LeadStatus, OrganizationKind
from marketplace.selectors.dashboards import (
    buyer_dashboard,
    mask_phone,
    moderator_dashboard,
    supplier_dashboard,
)
from suppliers.services import lead_submit
from tests.factories import lead_payload
from tests.web.conftest import browser

pytestmark = pytest.mark.django_db


def send_leads(actor) -> None:
    """Two accepted leads (loans, travel) and one duplicate (loans)."""
    organization = actor.organization
    lead_submit(supplier=organization, payload=lead_payload(external_id="a-1"))
    lead_submit(
        supplier=organization,
        payload=lead_payload(
            external_id="a-2",
            segment="travel",
            phone="+48 601 000 111",
            email="piotr@example.pl",
            attributes={"destination": "Crete"},
        ),
    )
    lead_submit(supplier=organization, payload=lead_payload(external_id="a-3"))


def test_mask_phone_keeps_only_the_ends():
    assert mask_phone("+48601234567") == "+48 ••• ••• 567"
    assert mask_phone("") == ""
    assert "601234" not in mask_phone("+48601234567")


def test_supplier_dashboard_counts_leads_by_status_reason_and_segment(supplier_a, supplier_b):
    send_leads(supplier_a)
    lead_submit(supplier=supplier_b.organization, payload=lead_payload(external_id="b-1"))
    assert Lead.objects.filter(supplier=supplier_a.organization).count() == 3

    figures = supplier_dashboard(supplier=supplier_a.organization)

    statuses = sorted(
        Lead.objects.filter(supplier=supplier_a.organization).values_list("status", flat=True)
    )
    rejected = statuses.count(LeadStatus.REJECTED)
    assert (figures.counts.total, figures.counts.rejected) == (3, rejected)
    assert figures.counts.accepted == 3 - rejected
    assert rejected >= 1
    assert [(r.code, r.count) for r in figures.by_reason] == [("duplicate", rejected)]
    by_segment = {row.slug: row.counts for row in figures.by_segment}
    assert by_segment["loans"].total == 2
    assert by_segment["travel"].total == 1
    assert [lead.external_id for lead in figures.recent] == ["a-3", "a-2", "a-1"]


def test_supplier_dashboard_page_shows_masked_phones_only(supplier_a):
    send_leads(supplier_a)

    page = browser(supplier_a.user).get(reverse("dashboard")).content.decode()

    assert "Leads you sent" in page
    assert "a-3" in page
    assert "Anna K." in page
    assert "+48 ••• ••• 567" in page
    assert "601234567" not in page
    assert "Duplicate" in page
    assert reverse("api_key_list") in page
    assert "/api/v1/leads/" in page


def test_supplier_dashboard_runs_a_fixed_number_of_queries(
    supplier_a, django_assert_max_num_queries
):
    send_leads(supplier_a)
    for n in range(10):
        lead_submit(
            supplier=supplier_a.organization,
            payload=lead_payload(
                external_id=f"n-{n}", phone=f"+48 601 100 {n:03d}", email=f"p{n}@example.pl"
            ),
        )
    client = browser(supplier_a.user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("dashboard")).status_code == 200


def test_buyer_dashboard_counts_available_leads_per_segment(supplier_a, buyer_a):
    send_leads(supplier_a)

    figures = buyer_dashboard(buyer=buyer_a.organization)

    available = {segment.slug: segment.available for segment in figures.segments}
    assert available["loans"] == 1
    assert available["travel"] == 1
    assert available["insurance"] == 0
    assert figures.available_total == 2
    assert figures.members_count == 1

    page = browser(buyer_a.user).get(reverse("dashboard")).content.decode()
    assert "Leads you can buy" in page
    assert "2 leads available now" in page
    assert buyer_a.organization.name in page
    assert "Leads you sent" not in page


def test_buyer_that_also_sells_does_not_count_its_own_leads(supplier_a):
    supplier_a.organization.kind = OrganizationKind.BOTH
    supplier_a.organization.save()
    send_leads(supplier_a)

    figures = buyer_dashboard(buyer=supplier_a.organization)

    assert figures.available_total == 0


def test_moderator_dashboard_shows_platform_figures(moderator, supplier_a, buyer_a, outsider):
    send_leads(supplier_a)

    figures = moderator_dashboard()

    kinds = {kind: count for kind, _label, count in figures.organizations_by_kind}
    assert kinds == {"supplier": 1, "buyer": 1, "both": 0}
    assert figures.leads_today.total == 3
    assert figures.leads_week.total == 3
    assert figures.leads_week.rejected >= 1
    assert figures.leads_week.rejected_share == round(100 * figures.leads_week.rejected / 3, 1)

    page = browser(moderator.user).get(reverse("dashboard")).content.decode()
    assert "Platform" in page
    assert reverse("admin:index") in page
    assert "Suppression list" in page


def test_moderator_without_organization_is_not_sent_to_create_one(moderator):
    response = browser(moderator.user).get(reverse("dashboard"))
    assert response.status_code == 200


def test_empty_supplier_dashboard_explains_how_to_start(supplier_a):
    page = browser(supplier_a.user).get(reverse("dashboard")).content.decode()
    assert "You have not sent any leads yet" in page


def test_navigation_is_role_aware(supplier_a, buyer_a, moderator):
    supplier_page = browser(supplier_a.user).get(reverse("dashboard")).content.decode()
    buyer_page = browser(buyer_a.user).get(reverse("dashboard")).content.decode()
    moderator_page = browser(moderator.user).get(reverse("dashboard")).content.decode()

    assert "My leads" in supplier_page
    assert "My leads" not in buyer_page
    assert ">Segments<" in buyer_page
    assert reverse("admin:index") in moderator_page
    assert reverse("admin:index") not in supplier_page
    for page in (supplier_page, buyer_page, moderator_page):
        assert 'class="skip-link"' in page
        assert reverse("set_language") in page
