"""Leads older than their segment's freshness limit become expired (beat task)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from marketplace.models import Lead, LeadEvent
from marketplace.services.lead_expiry import leads_expire_stale
from marketplace.tasks import expire_stale_leads

pytestmark = pytest.mark.postgres


def test_stale_available_leads_expire_with_an_event_each_and_a_second_run_changes_nothing(
    make_lead, loans, travel
):
    now = timezone.now()
    stale = [
        make_lead(created_at=now - timedelta(days=loans.freshness_days, minutes=m))
        for m in range(1, 6)
    ]
    fresh = make_lead(created_at=now - timedelta(days=loans.freshness_days - 1))
    travel_fresh = make_lead(
        segment=travel,
        created_at=now - timedelta(days=travel.freshness_days - 1),
        attributes={"destination": "Crete"},
    )
    sold_out = make_lead(
        status="sold_out", sales_count=1, created_at=now - timedelta(days=loans.freshness_days + 3)
    )

    assert leads_expire_stale(now=now, batch_size=2) == 5

    stale_ids = {lead.pk for lead in stale}
    assert set(Lead.objects.filter(status="expired").values_list("pk", flat=True)) == stale_ids
    events = LeadEvent.objects.filter(kind="expired")
    assert set(events.values_list("lead_id", flat=True)) == stale_ids
    assert set(events.values_list("from_status", "to_status")) == {("available", "expired")}
    for lead in (fresh, travel_fresh):
        lead.refresh_from_db()
        assert lead.status == "available"
    sold_out.refresh_from_db()
    assert sold_out.status == "sold_out"

    assert leads_expire_stale(now=now) == 0
    assert LeadEvent.objects.count() == 5


def test_the_task_runs_the_service(make_lead, loans):
    lead = make_lead(created_at=timezone.now() - timedelta(days=loans.freshness_days + 1))
    assert expire_stale_leads.delay().get() == 1
    lead.refresh_from_db()
    assert lead.status == "expired"
    assert expire_stale_leads.delay().get() == 0


def test_the_task_is_scheduled_by_beat():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "marketplace.tasks.expire_stale_leads" in entries


def admin_form_data(client, url: str) -> dict:
    """The segment's change form as the admin renders it, ready to post back."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        data[name] = "" if value is None else value
    data["is_active"] = "on"
    return data


def test_the_segment_admin_edits_freshness_and_age_discounts(moderator, loans):
    client = moderator.browser()
    url = f"/admin/marketplace/segment/{loans.pk}/change/"
    data = admin_form_data(client, url)
    data.update(freshness_days="7", age_discounts='[{"after_hours": 48, "percent": 25}]')

    response = client.post(url, data)

    assert response.status_code == 302
    loans.refresh_from_db()
    assert loans.freshness_days == 7
    assert loans.age_discounts == [{"after_hours": 48, "percent": 25}]


def test_the_segment_admin_refuses_a_malformed_discount_schedule(moderator, loans):
    client = moderator.browser()
    url = f"/admin/marketplace/segment/{loans.pk}/change/"
    data = admin_form_data(client, url)
    data.update(age_discounts='[{"after_hours": 0, "percent": 150}]')

    response = client.post(url, data)

    assert response.status_code == 200
    assert "age_discounts" in response.context["adminform"].form.errors
    loans.refresh_from_db()
    assert loans.age_discounts == []
