from __future__ import annotations

import pytest

from marketplace.models import Organization
from tests.billing.helpers import fund


@pytest.fixture
def buyer(buyer_a) -> Organization:
    fund(buyer_a.organization, 1_000_00)
    return buyer_a.organization


@pytest.fixture
def supplier(supplier_a) -> Organization:
    return supplier_a.organization


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and sent-email marks live in the cache: each test starts clean."""
    from django.core.cache import cache

    cache.clear()
