"""``Idempotency-Key`` on POST: the same key and body within 24 h returns the
first response and does nothing again.

A view whose answer must be recorded each time it is shown (personal data goes
in the access log) defines ``idempotency_replayed(request, stored)``; it runs
before every replay, and an ``ApplicationError`` it raises is answered instead
of the stored response."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api.permissions import acting_organization
from marketplace.errors import ApplicationError
from marketplace.services.idempotency import (
    StoredResponse,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
)

HEADER = "Idempotency-Key"


def _scope(request: Request) -> str:
    if request.auth is not None and hasattr(request.auth, "key_hash"):
        return f"key:{request.auth.pk}"
    # A browser session acts for the organization chosen in it: a person in two
    # organizations must not get one organization's answer replayed in the other.
    organization = acting_organization(request)
    suffix = f":{organization.pk.hex}" if organization is not None else ""
    return f"user:{request.user.pk}{suffix}"


def idempotent(handler: Callable) -> Callable:
    """Wrap a DRF view's ``post``. Runs after authentication and throttling."""

    @wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        # A view with large bodies (file uploads) says what identifies one instead.
        body_of = getattr(view, "idempotency_body", None)
        body = body_of(request) if body_of else request._request.body  # Django caches it
        try:
            claim = idempotency_claim(
                scope=_scope(request),
                key=key,
                method=request.method,
                path=request.get_full_path(),
                body=body,
            )
        except ApplicationError as exc:
            return view.handle_exception(exc)
        if isinstance(claim, StoredResponse):
            on_replay = getattr(view, "idempotency_replayed", None)
            if on_replay is not None:
                try:
                    on_replay(request, claim)
                except ApplicationError as exc:
                    return view.handle_exception(exc)
            replay = HttpResponse(
                claim.body, status=claim.status_code, content_type=claim.content_type
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:
            try:
                response = view.handle_exception(exc)
            except Exception:
                idempotency_release(record=claim)
                raise
        if not isinstance(response, Response) or response.status_code >= 500:
            idempotency_release(record=claim)
            return response
        rendered = JSONRenderer().render(response.data)
        idempotency_complete(
            record=claim,
            status_code=response.status_code,
            body=rendered,
            content_type="application/json",
        )
        return response

    return wrapper
