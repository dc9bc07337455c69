"""A small recording Stripe API of our own, for the endpoints localstripe lacks:
Checkout Sessions (create, retrieve, list), and the events list with the
filters reconciliation uses (localstripe lists only the events it makes).

It speaks Stripe's wire format (form-encoded nested parameters in, JSON out,
``Idempotency-Key`` honoured), records every request, and can be told to fail
so tests see what the real library raises. Run it on 127.0.0.1 in a thread
and point ``STRIPE_API_BASE`` at ``server.url``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_counter = itertools.count(1)


def nested(pairs: list[tuple[str, str]]) -> dict:
    """``a[b][0][c]=v`` pairs → nested dicts and lists, as Stripe reads them."""
    out: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = out
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            nxt: Any = value if last else ({} if not parts[index + 1].isdigit() else [])
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append(None)
                if node[position] is None:
                    node[position] = nxt
                node = node[position]
            else:
                node = node.setdefault(part, nxt)
    return out


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    headers: dict[str, str]


@dataclass
class FakeStripe:
    sessions: dict[str, dict] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)  # oldest first
    requests: list[Recorded] = field(default_factory=list)
    idempotent: dict[str, tuple[int, dict]] = field(default_factory=dict)
    fail_status: int | None = None  # answer every request with this error status
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def reset(self) -> None:
        with self.lock:
            self.sessions.clear()
            self.events.clear()
            self.requests.clear()
            self.idempotent.clear()
            self.fail_status = None

    # --- what a payer does on Stripe's side --------------------------------------

    def pay(self, session_id: str, **overrides: Any) -> dict:
        """The payer completes Checkout: the session is paid (overrides tamper with it)."""
        with self.lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent=session["payment_intent"] or f"pi_fake_{next(_counter)}",
            )
            session.update(overrides)
            return json.loads(json.dumps(session))

    def expire(self, session_id: str) -> dict:
        with self.lock:
            self.sessions[session_id].update(status="expired")
            return json.loads(json.dumps(self.sessions[session_id]))

    def emit(
        self, type_: str, obj: dict, *, event_id: str | None = None, created: int | None = None
    ) -> dict:
        """Stripe records an event (its webhook may or may not reach us); returns it."""
        with self.lock:
            number = next(_counter)
            event = {
                "id": event_id or f"evt_fake{number:06d}",
                "object": "event",
                "api_version": "2024-06-20",
                "created": int(time.time()) if created is None else created,
                "livemode": False,
                "pending_webhooks": 1,
                "type": type_,
                "data": {"object": json.loads(json.dumps(obj))},
            }
            self.events.append(event)
            return json.loads(json.dumps(event))

    def event_lists(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET" and r.path == "/v1/events"]

    def checkout_creates(self) -> list[Recorded]:
        return [
            r for r in self.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"
        ]

    # --- the API -------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(Recorded(method, path, params, headers))
            if self.fail_status is not None:
                kind = "api_error" if self.fail_status >= 500 else "invalid_request_error"
                return self.fail_status, {"error": {"type": kind, "message": "Fake failure."}}
            key = headers.get("idempotency-key")
            if method == "POST" and key and key in self.idempotent:
                return self.idempotent[key]
            answer = self._route(method, path, params)
            if method == "POST" and key:
                self.idempotent[key] = answer
            return answer

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if path == "/v1/checkout/sessions" and method == "POST":
            return 200, self._session_create(params)
        if path == "/v1/checkout/sessions" and method == "GET":
            return 200, self._session_list(params)
        if path == "/v1/events" and method == "GET":
            return self._event_list(params)
        match = re.fullmatch(r"/v1/checkout/sessions/([\w]+)", path)
        if match and method == "GET":
            found = self.sessions.get(match.group(1))
            if found is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such."}}
            return 200, found
        return 404, {"error": {"type": "invalid_request_error", "message": f"No {path}."}}

    def _session_create(self, params: dict) -> dict:
        number = next(_counter)
        session_id = f"cs_test_fake{number:06d}"
        items = params.get("line_items") or []
        amount = sum(
            int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1)) for item in items
        )
        currency = items[0]["price_data"]["currency"] if items else "usd"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "amount_subtotal": amount,
            "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "payment_intent": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "customer_email": params.get("customer_email"),
            "created": int(time.time()),
            "livemode": False,
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    def _session_list(self, params: dict) -> dict:
        gte = int((params.get("created") or {}).get("gte", 0))
        limit = int(params.get("limit", 10))
        rows = [s for s in reversed(list(self.sessions.values())) if s["created"] >= gte]
        after = params.get("starting_after")
        if after:
            ids = [s["id"] for s in rows]
            rows = rows[ids.index(after) + 1 :] if after in ids else []
        return {
            "object": "list",
            "url": "/v1/checkout/sessions",
            "has_more": len(rows) > limit,
            "data": rows[:limit],
        }

    def _event_list(self, params: dict) -> tuple[int, dict]:
        unknown = set(params) - {"type", "types", "created", "limit", "starting_after"}
        if unknown:  # as Stripe does: an unknown parameter is a 400
            message = f"Received unknown parameter: {sorted(unknown)[0]}"
            return 400, {"error": {"type": "invalid_request_error", "message": message}}
        created = params.get("created") or {}
        gte = int(created.get("gte", 0)) if isinstance(created, dict) else int(created)
        types = params.get("types") or ([params["type"]] if params.get("type") else None)
        limit = int(params.get("limit", 10))
        rows = [
            e
            for e in reversed(self.events)  # newest first, as Stripe lists them
            if e["created"] >= gte and (types is None or e["type"] in types)
        ]
        after = params.get("starting_after")
        if after:
            ids = [e["id"] for e in rows]
            rows = rows[ids.index(after) + 1 :] if after in ids else []
        return 200, {
            "object": "list",
            "url": "/v1/events",
            "has_more": len(rows) > limit,
            "data": rows[:limit],
        }


def serve(fake: FakeStripe) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = nested(parse_qsl(split.query) + parse_qsl(body))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = fake.handle(self.command, split.path, params, headers)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_fake_{next(_counter)}")
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
