"""Guards in front of the API: body size, before anything reads the body; and
the error envelope for errors that never reach a DRF view."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from marketplace.api.errors import error_response

API_PREFIX = "/api/"

# Django's own error pages (no URL under /api/v1/, a CSRF or SuspiciousOperation
# refusal, an exception turned into a 500) are HTML; API clients get the envelope.
_ENVELOPES: dict[int, tuple[str, str]] = {
    400: ("malformed_request", "The request is malformed."),
    403: ("forbidden", "You do not have permission to do this."),
    404: ("not_found", "There is no API endpoint at this address."),
    405: ("method_not_allowed", "This endpoint does not accept this method."),
    413: ("too_large", "The request body is too large."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
}


def body_limit_for(path: str) -> int:
    """File uploads may send more than a JSON body; every other route keeps the small limit."""
    return getattr(settings, "API_LARGE_BODY_PATHS", {}).get(path, settings.API_MAX_BODY_BYTES)


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            return error_response(400, "malformed_request", "Content-Length is not a number.")
        limit = body_limit_for(request.path)
        if length > limit:
            return error_response(
                413, "too_large", f"The request body is larger than {limit // 1024} KB."
            )
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            # PostgreSQL cannot compare with text holding NUL: a filter would fail with a 500.
            return error_response(400, "malformed_request", "The address contains a NUL byte.")
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            code, message = _ENVELOPES.get(
                response.status_code, ("error", "The request could not be handled.")
            )
            envelope = error_response(response.status_code, code, message)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    envelope[header] = response[header]
            return envelope
        return response
