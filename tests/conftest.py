"""Shared fixtures, including the cast used by permission tests:
supplier A and B, buyer A and B, a moderator and an outsider."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from marketplace.models import Organization, OrganizationKind, User
from marketplace.services.api_keys import api_key_create, api_key_create_for_moderator
from marketplace.services.organizations import organization_create, user_create

BUILD_DIR = Path(__file__).resolve().parent.parent / "build"


def _engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def pytest_sessionstart(session: pytest.Session) -> None:
    engine = _engine()
    BUILD_DIR.mkdir(exist_ok=True)
    (BUILD_DIR / "test-database.txt").write_text(engine + "\n")
    if engine != "postgresql":
        banner = "!" * 78
        sys.stderr.write(
            f"\n{banner}\n!! Tests are running on {engine.upper()}, not PostgreSQL: the concurrency"
            " and\n!! PostgreSQL-only tests are SKIPPED. Set DATABASE_URL to a PostgreSQL server."
            f"\n{banner}\n\n"
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {_engine()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _engine() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _flushes_database(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test ends with a flush that also empties the segments the
    migrations seeded; put them back so later tests never depend on test order.
    This runs after every fixture's teardown: pytest-django's own autouse fixture,
    which flushes, is torn down after any fixture of ours would be."""
    result = yield
    # After the last test the session's teardown has dropped the test database.
    if nextitem is not None and _flushes_database(item):
        from pytest_django.plugin import blocking_manager_key

        from tests.factories import seed_segments

        with item.config.stash[blocking_manager_key].unblock():
            seed_segments()
    return result


@dataclass
class Actor:
    """One member of the cast: a user, their organization (if any) and an API client."""

    name: str
    user: User | None
    organization: Organization | None
    api_key: str | None

    def api(self) -> APIClient:
        client = APIClient()
        if self.api_key:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.api_key}")
        return client

    def browser(self) -> APIClient:
        client = APIClient()
        if self.user is not None:
            client.force_login(self.user)
        return client


def make_actor(name: str, kind: str | None) -> Actor:
    user = user_create(
        email=f"{name.replace('_', '.')}@example.com", password="correct-horse-battery"
    )
    organization = None
    api_key = None
    if kind is not None:
        organization = organization_create(
            name=name.replace("_", " ").title(), kind=kind, owner=user
        )
        api_key = api_key_create(organization=organization, name="test", created_by=user).raw_key
    return Actor(name=name, user=user, organization=organization, api_key=api_key)


@pytest.fixture
def supplier_a(db) -> Actor:
    return make_actor("supplier_a", OrganizationKind.SUPPLIER)


@pytest.fixture
def supplier_b(db) -> Actor:
    return make_actor("supplier_b", OrganizationKind.SUPPLIER)


@pytest.fixture
def buyer_a(db) -> Actor:
    return make_actor("buyer_a", OrganizationKind.BUYER)


@pytest.fixture
def buyer_b(db) -> Actor:
    return make_actor("buyer_b", OrganizationKind.BUYER)


@pytest.fixture
def moderator(db) -> Actor:
    user = user_create(
        email="moderator@example.com", password="correct-horse-battery", is_staff=True
    )
    key = api_key_create_for_moderator(moderator=user, name="test").raw_key
    return Actor(name="moderator", user=user, organization=None, api_key=key)


@pytest.fixture
def outsider(db) -> Actor:
    return make_actor("outsider", None)


@pytest.fixture
def cast(supplier_a, supplier_b, buyer_a, buyer_b, moderator, outsider) -> dict[str, Actor]:
    return {
        "supplier_a": supplier_a,
        "supplier_b": supplier_b,
        "buyer_a": buyer_a,
        "buyer_b": buyer_b,
        "moderator": moderator,
        "outsider": outsider,
    }


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()
