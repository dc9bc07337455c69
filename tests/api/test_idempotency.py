"""``Idempotency-Key``: the same key and body returns the first answer and does nothing again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import IdempotencyRecord, Lead
from marketplace.services.api_keys import api_key_create
from tests.factories import lead_payload
from tests.suppliers.helpers import BATCH_URL, LEADS_URL, assert_envelope

pytestmark = pytest.mark.django_db


def _post(api, payload, key: str | None, url: str = LEADS_URL):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(url, payload, format="json", **headers)


def test_same_key_and_body_replays_the_first_answer_and_stores_once(supplier_a):
    api = supplier_a.api()

    first = _post(api, lead_payload(), "k-1")
    second = _post(api, lead_payload(), "k-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Lead.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_same_key_with_another_body_is_422_and_does_nothing(supplier_a):
    api = supplier_a.api()
    assert _post(api, lead_payload(), "k-1").status_code == 201

    response = _post(
        api, lead_payload(external_id="other", phone="+48 602 111 222", email=None), "k-1"
    )

    assert_envelope(response, status=422, code="idempotency_key_reused")
    assert Lead.objects.count() == 1


def test_same_key_on_another_endpoint_is_a_different_request(supplier_a):
    api = supplier_a.api()
    assert _post(api, lead_payload(), "k-1").status_code == 201

    response = _post(api, {"leads": [lead_payload()]}, "k-1", url=BATCH_URL)

    assert_envelope(response, status=422, code="idempotency_key_reused")


def test_different_keys_are_separate_requests(supplier_a):
    api = supplier_a.api()

    first = _post(api, lead_payload(external_id="a"), "k-1")
    second = _post(api, lead_payload(external_id="b", phone="+48 602 111 222", email=None), "k-2")
    resend = _post(api, lead_payload(external_id="a"), "k-3")

    assert first.status_code == second.status_code == 201
    assert resend.status_code == 200  # a new request: answered as a resend of external_id "a"
    assert "Idempotent-Replayed" not in resend
    assert Lead.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 3


def test_keys_are_scoped_per_api_key(supplier_a, supplier_b):
    payload_b = lead_payload(phone="+48 602 111 222", email="jan@example.pl")

    first = _post(supplier_a.api(), lead_payload(), "shared")
    other_org = _post(supplier_b.api(), payload_b, "shared")

    assert first.status_code == 201
    assert other_org.status_code == 201
    assert "Idempotent-Replayed" not in other_org
    assert other_org.json()["id"] != first.json()["id"]
    assert Lead.objects.count() == 2


def test_another_key_of_the_same_organization_has_its_own_scope(supplier_a):
    from rest_framework.test import APIClient

    second_key = api_key_create(
        organization=supplier_a.organization, name="second", created_by=supplier_a.user
    ).raw_key
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {second_key}")

    first = _post(supplier_a.api(), lead_payload(), "shared")
    again = _post(other, lead_payload(), "shared")

    assert first.status_code == 201
    assert again.status_code == 200  # processed, found as a resend; not a replay
    assert "Idempotent-Replayed" not in again
    assert Lead.objects.count() == 1


def test_error_answers_are_replayed_too(supplier_a):
    api = supplier_a.api()
    first = _post(api, lead_payload(price="abc"), "k-err")

    second = _post(api, lead_payload(price="abc"), "k-err")

    assert first.status_code == second.status_code == 422
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Lead.objects.count() == 0


def test_a_key_older_than_the_ttl_is_forgotten(supplier_a, settings):
    api = supplier_a.api()
    assert _post(api, lead_payload(), "k-old").status_code == 201
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS, minutes=1)
    )

    response = _post(
        api, lead_payload(external_id="new", phone="+48 602 111 222", email=None), "k-old"
    )

    assert response.status_code == 201, response.content
    assert "Idempotent-Replayed" not in response
    assert Lead.objects.count() == 2


def test_request_still_running_is_409(supplier_a):
    api = supplier_a.api()
    assert _post(api, lead_payload(), "k-run").status_code == 201
    IdempotencyRecord.objects.update(status_code=None, response_body=None)

    response = _post(api, lead_payload(), "k-run")

    assert_envelope(response, status=409, code="request_in_progress")
    assert Lead.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_malformed_keys_are_refused(supplier_a, key):
    response = _post(supplier_a.api(), lead_payload(), key)

    assert_envelope(response, status=400, code="malformed_request")
    assert Lead.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_a_server_error_releases_the_key_so_a_retry_runs(supplier_a, monkeypatch):
    import suppliers.api

    real = suppliers.api.lead_submit

    def explode(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(suppliers.api, "lead_submit", explode)
    client = supplier_a.api()
    client.raise_request_exception = False
    assert _post(client, lead_payload(), "k-retry").status_code == 500
    assert IdempotencyRecord.objects.count() == 0

    monkeypatch.setattr(suppliers.api, "lead_submit", real)
    response = _post(client, lead_payload(), "k-retry")

    assert response.status_code == 201, response.content
    assert Lead.objects.count() == 1


def test_batch_is_idempotent(supplier_a):
    api = supplier_a.api()
    body = {"leads": [lead_payload(external_id="b1")]}

    first = _post(api, body, "batch-1", url=BATCH_URL)
    second = _post(api, body, "batch-1", url=BATCH_URL)

    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Lead.objects.count() == 1


def test_without_a_key_nothing_is_recorded(supplier_a):
    assert _post(supplier_a.api(), lead_payload(), None).status_code == 201

    assert IdempotencyRecord.objects.count() == 0


def test_browser_keys_are_scoped_per_acting_organization(supplier_a):
    from marketplace.middleware import SESSION_ORGANIZATION_KEY
    from marketplace.models import OrganizationKind
    from marketplace.services.organizations import organization_create

    second = organization_create(
        name="Second Supplier", kind=OrganizationKind.SUPPLIER, owner=supplier_a.user
    )
    browser = supplier_a.browser()

    first = _post(browser, lead_payload(), "k-browser")
    session = browser.session
    session[SESSION_ORGANIZATION_KEY] = str(second.pk)
    session.save()
    other = _post(browser, lead_payload(), "k-browser")

    assert first.status_code == 201
    # judged afresh for the second organization (the same person: a duplicate), not replayed
    assert other.status_code == 409, other.content
    assert "Idempotent-Replayed" not in other
    assert Lead.objects.filter(supplier=second).count() == 1
    assert Lead.objects.filter(supplier=supplier_a.organization).count() == 1
