"""Stripe test fixtures: the library talks HTTP to our recording fake (Checkout
Sessions); webhooks are signed by ``helpers.sign``."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.billing.fake_stripe import FakeStripe, serve
from tests.billing.stripe.helpers import WEBHOOK_SECRET


@pytest.fixture(scope="session")
def _fake_stripe_server() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    server = serve(fake)
    yield fake
    server.shutdown()


@pytest.fixture
def fake_stripe(_fake_stripe_server: FakeStripe, settings) -> FakeStripe:
    _fake_stripe_server.reset()
    settings.STRIPE_SECRET_KEY = "sk_test_leadmarket"
    settings.STRIPE_API_BASE = _fake_stripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.CURRENCY = "USD"
    return _fake_stripe_server


@pytest.fixture
def stripe_down(fake_stripe: FakeStripe, settings) -> None:
    """Nothing listens where Stripe should be."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def _webhook_secret(settings) -> None:
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
