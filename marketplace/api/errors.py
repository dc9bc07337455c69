"""The API's one error format, for every error, DRF's own included:

{"error": {"code": "...", "message": "...", "fields": {...}}}
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from marketplace.errors import ApplicationError

logger = logging.getLogger(__name__)

_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "validation_failed",
}


def error_body(code: str, message: str, fields: dict | None = None, **extra: object) -> dict:
    body: dict = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def error_response(
    status_code: int, code: str, message: str, fields: dict | None = None
) -> JsonResponse:
    """For places outside DRF views (middleware, URL fallbacks)."""
    response = JsonResponse(error_body(code, message, fields), status=status_code)
    response["Cache-Control"] = "no-store"
    return response


def _flatten_fields(detail: object, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"dotted.field": ["problem", ...]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten_fields(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten_fields(item, f"{prefix}[{index}]" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        set_rollback()
        body = error_body(exc.code, exc.message, exc.fields, **exc.extra)
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500

    set_rollback()
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        # The contract answers validation_failed with 422, whoever raised it.
        status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        body = error_body(code, "Some fields are not valid.", _flatten_fields(exc.detail))
    else:
        status_code = exc.status_code
        body = error_body(code, str(exc.detail))
    headers = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return Response(body, status=status_code, headers=headers)
