from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.test import Client

from marketplace.models import MemberRole, Membership, Organization, User
from marketplace.services.organizations import user_create

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits and the invitation-email marks live in the cache.
    cache.clear()
    yield
    cache.clear()


def browser(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def add_member(organization: Organization, email: str, role: str = MemberRole.MEMBER) -> User:
    user = user_create(email=email, password=PASSWORD)
    Membership.objects.create(organization=organization, user=user, role=role)
    return user


def link_in(body: str, path_start: str) -> str:
    """The path of the first absolute link in ``body`` whose path starts with ``path_start``."""
    for url in re.findall(r"https?://[^\s\"'<>]+", body):
        path = urlparse(url).path
        if path.startswith(path_start):
            return path
    raise AssertionError(f"no link to {path_start} in:\n{body}")


@pytest.fixture
def supplier_member(supplier_a) -> User:
    """A member (not an owner) of supplier A."""
    return add_member(supplier_a.organization, "supplier.a.member@example.com")
