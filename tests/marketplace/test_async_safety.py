"""Django's async-safety check stays on for the suite: only the browser tests, whose
Playwright loop runs in the test thread, lift it (tests/browser/conftest.py)."""

from __future__ import annotations

import asyncio

import pytest
from django.core.exceptions import SynchronousOnlyOperation

from marketplace.models import Organization

pytestmark = pytest.mark.django_db


def test_orm_refuses_a_call_from_inside_an_event_loop():
    async def count_organizations() -> int:
        return Organization.objects.count()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(count_organizations())
