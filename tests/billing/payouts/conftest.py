"""A stand-in for Stripe's /v1/transfers, and a supplier with payable earnings."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import stripe

from billing.services import cpl_charge, hold_release
from marketplace.models import Organization
from tests.billing.helpers import fund

_sales = itertools.count(1)


def earn(*, buyer: Organization, supplier: Organization, price_cents: int) -> int:
    """A real CPL sale whose supplier share is released to payable. Returns the share."""
    sale_id = f"payout-sale-{next(_sales)}"
    fund(buyer, price_cents)
    cpl_charge(buyer=buyer, supplier=supplier, sale_id=sale_id, price_cents=price_cents)
    released = hold_release(sale_id=sale_id)
    return released.entries.get(amount_cents__gt=0).amount_cents


@dataclass
class FakeStripe:
    """Answers POST /v1/transfers as Stripe does; ``fail_with`` makes it refuse."""

    base: str = ""
    requests: list[dict] = field(default_factory=list)
    fail_with: tuple[int, str] | None = None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.fake.requests.append({"path": self.path, "headers": dict(self.headers), "form": form})
        if self.path != "/v1/transfers":
            self._answer(404, {"error": {"type": "invalid_request_error", "message": "No route"}})
        elif self.fake.fail_with is not None:
            status, message = self.fake.fail_with
            kind = "api_error" if status >= 500 else "invalid_request_error"
            self._answer(status, {"error": {"type": kind, "message": message}})
        else:
            self._answer(
                200,
                {
                    "id": f"tr_test_{len(self.fake.requests)}",
                    "object": "transfer",
                    "amount": int(form["amount"]),
                    "currency": form["currency"],
                    "destination": form["destination"],
                },
            )

    def _answer(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:
    fake = FakeStripe()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.STRIPE_API_BASE = fake.base
    settings.STRIPE_SECRET_KEY = "sk_test_payouts"
    previous = stripe.api_base, stripe.max_network_retries
    stripe.max_network_retries = 0
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        stripe.api_base, stripe.max_network_retries = previous
