"""An API key and its organization are read fresh on every request: a change
committed by another process (a revocation on the settings page served by
another gunicorn worker, a moderator holding a supplier's leads) applies to
the very next request. Each change here is committed from another thread, on
its own database connection, as another process would."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.models import ApiKey, Lead, LeadStatus, Organization, OrganizationKind
from marketplace.services.api_keys import api_key_authenticate, api_key_revoke
from tests.factories import lead_payload
from tests.suppliers.helpers import LEADS_URL, assert_envelope

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_another_process(change: Callable[[], None]) -> None:
    """Run ``change`` on another database connection and commit it."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            change()
        except BaseException as exc:  # reported below
            failure.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not failure, failure


def test_a_key_revoked_elsewhere_is_refused_on_the_next_request(supplier_a):
    client = supplier_a.api()
    assert client.get(LEADS_URL).status_code == 200

    in_another_process(
        lambda: api_key_revoke(api_key=ApiKey.objects.get(organization=supplier_a.organization))
    )
    response = client.post(LEADS_URL, lead_payload(), format="json")

    assert_envelope(response, status=401, code="unauthenticated")
    assert Lead.objects.count() == 0


def test_a_key_revoked_by_a_plain_row_update_is_refused_at_once(supplier_a):
    client = supplier_a.api()
    assert client.get(LEADS_URL).status_code == 200

    in_another_process(
        lambda: ApiKey.objects.filter(organization=supplier_a.organization).update(
            revoked_at=timezone.now()
        )
    )

    assert_envelope(client.get(LEADS_URL), status=401, code="unauthenticated")
    assert api_key_authenticate(raw_key=supplier_a.api_key) is None


def test_a_hold_set_elsewhere_applies_to_the_next_lead(supplier_a):
    client = supplier_a.api()
    assert client.post(LEADS_URL, lead_payload(), format="json").json()["status"] == "available"

    in_another_process(
        lambda: Organization.objects.filter(pk=supplier_a.organization.pk).update(
            holds_new_leads=True
        )
    )
    response = client.post(
        LEADS_URL,
        lead_payload(external_id="crm-2", phone="+48 601 000 002", email="b@example.pl"),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == LeadStatus.HELD
    assert Lead.objects.get(external_id="crm-2").status == LeadStatus.HELD


def test_an_organization_no_longer_a_supplier_is_refused_at_once(supplier_a):
    client = supplier_a.api()
    assert client.get(LEADS_URL).status_code == 200

    in_another_process(
        lambda: Organization.objects.filter(pk=supplier_a.organization.pk).update(
            kind=OrganizationKind.BUYER
        )
    )

    assert_envelope(client.post(LEADS_URL, lead_payload(), format="json"), status=403)
    assert Lead.objects.count() == 0


def test_the_key_is_returned_with_its_organization_as_stored(supplier_a, django_assert_num_queries):
    api_key_authenticate(raw_key=supplier_a.api_key)  # records the first use
    with django_assert_num_queries(1):
        api_key = api_key_authenticate(raw_key=supplier_a.api_key)
        organization = api_key.organization

    stored = ApiKey.objects.select_related("organization").get(pk=api_key.pk)
    assert api_key.organization_id == stored.organization_id
    for field in Organization._meta.concrete_fields:
        assert getattr(organization, field.attname) == getattr(
            stored.organization, field.attname
        ), field.name
    for field in ApiKey._meta.concrete_fields:
        assert getattr(api_key, field.attname) == getattr(stored, field.attname), field.name
