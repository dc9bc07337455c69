"""Intake keeps the segments in the process and checks their version on every
request: unchanged segments cost one tiny query; any edit (the admin, a
queryset update, another process) is seen by the next request."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from marketplace.models import Lead, Segment
from marketplace.selectors.segments import active_segments_by_slug
from tests.factories import lead_payload
from tests.suppliers.helpers import LEADS_URL, assert_envelope

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_unchanged_segments_cost_one_query_and_are_not_reloaded(django_assert_num_queries):
    first = active_segments_by_slug()

    with django_assert_num_queries(1):
        second = active_segments_by_slug()

    assert set(second) == {"courses", "insurance", "loans", "travel"}
    assert second["loans"] is first["loans"]  # the same instances: nothing was reloaded
    assert second is not first  # but callers get their own mapping


@pytest.mark.django_db
def test_a_saved_segment_is_reloaded_on_the_next_call(django_assert_num_queries):
    assert active_segments_by_slug()["loans"].max_sales_limit == 3
    loans = Segment.objects.get(slug="loans")
    loans.max_sales_limit = 7
    loans.save()

    with django_assert_num_queries(2):  # the version, then the segments
        segments = active_segments_by_slug()

    assert segments["loans"].max_sales_limit == 7


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_a_queryset_update_and_its_rollback_are_both_seen():
    assert "travel" in active_segments_by_slug()
    seen_inside = None
    try:
        with transaction.atomic():
            Segment.objects.filter(slug="travel").update(is_active=False)
            seen_inside = set(active_segments_by_slug())
            raise _Rollback
    except _Rollback:
        pass

    assert seen_inside == {"courses", "insurance", "loans"}
    assert "travel" in active_segments_by_slug()


@pytest.mark.django_db
def test_a_moderator_edit_in_the_admin_applies_to_the_next_lead(supplier_a, moderator):
    assert (
        supplier_a.api().post(LEADS_URL, lead_payload(max_sales=3), format="json").status_code
        == 201
    )
    loans = Segment.objects.get(slug="loans")
    form = {
        key: json.dumps(value) if isinstance(value, (dict, list)) else value
        for key, value in model_to_dict(loans).items()
        if value is not None
    }
    form["max_sales_limit"] = 2
    browser = moderator.browser()

    response = browser.post(reverse("admin:marketplace_segment_change", args=[loans.pk]), form)

    assert response.status_code == 302, response.content[:2000]
    answer = supplier_a.api().post(
        LEADS_URL,
        lead_payload(external_id="crm-2", phone="+48 601 000 002", email="b@x.pl", max_sales=3),
        format="json",
    )
    error = assert_envelope(answer, status=422, code="validation_failed")
    assert "max_sales" in error["fields"]
    assert not Lead.objects.filter(external_id="crm-2").exists()


@pytest.mark.django_db(transaction=True)
def test_a_segment_deactivated_by_another_process_is_unknown_to_the_next_lead(supplier_a):
    client = supplier_a.api()
    assert client.post(LEADS_URL, lead_payload(), format="json").status_code == 201

    def deactivate() -> None:
        try:
            Segment.objects.filter(slug="loans").update(is_active=False)
        finally:
            connection.close()

    thread = threading.Thread(target=deactivate)
    thread.start()
    thread.join(timeout=30)
    answer = client.post(
        LEADS_URL,
        lead_payload(external_id="crm-2", phone="+48 601 000 002", email="b@x.pl"),
        format="json",
    )

    error = assert_envelope(answer, status=422, code="validation_failed")
    assert "segment" in error["fields"]
    assert Lead.objects.count() == 1
