"""Guards in front of the API: body size, before anything reads the body."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from marketplace.api.errors import error_response

API_PREFIX = "/api/"


def body_limit_for(path: str) -> int:
    return settings.API_MAX_BODY_BYTES


class ApiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            raw_length = request.META.get("CONTENT_LENGTH") or "0"
            try:
                length = int(raw_length)
            except ValueError:
                return error_response(400, "malformed_request", "Content-Length is not a number.")
            limit = body_limit_for(request.path)
            if length > limit:
                return error_response(
                    413, "too_large", f"The request body is larger than {limit // 1024} KB."
                )
        return self.get_response(request)
