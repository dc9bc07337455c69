from __future__ import annotations

import pytest

from marketplace.models import Organization


@pytest.fixture
def buyer(buyer_a) -> Organization:
    return buyer_a.organization


@pytest.fixture
def supplier(supplier_a) -> Organization:
    return supplier_a.organization
