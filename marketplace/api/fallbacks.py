"""JSON answers for what never reaches a DRF view."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from marketplace.api.errors import error_response


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    return error_response(404, "not_found", "There is no API endpoint at this address.")


def api_server_error(request: HttpRequest) -> JsonResponse:
    return error_response(
        500, "server_error", "Something went wrong on our side; it has been logged."
    )
