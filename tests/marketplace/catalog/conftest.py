from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import Organization, OrganizationKind, Segment
from tests.factories import LeadFactory, OrganizationFactory

CATALOG_URL = "/api/v1/marketplace/leads/"

pytestmark = pytest.mark.postgres


def browse(actor, **params) -> dict:
    """GET the catalog as ``actor`` and return the JSON (asserting a 200)."""
    response = actor.api().get(CATALOG_URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["results"]]


def hours_ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def loans() -> Segment:
    return Segment.objects.get(slug="loans")


@pytest.fixture
def travel() -> Segment:
    return Segment.objects.get(slug="travel")


@pytest.fixture
def supplier(db) -> Organization:
    return OrganizationFactory(kind=OrganizationKind.SUPPLIER, name="Acme Leads")


@pytest.fixture
def make_lead(supplier):
    def make(**overrides):
        overrides.setdefault("supplier", supplier)
        return LeadFactory(**overrides)

    return make
