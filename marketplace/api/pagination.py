from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from marketplace.errors import ValidationFailed


class CursorPagination(pagination.CursorPagination):
    """Newest first by id: ids are UUIDv7, so id order is creation order and unique."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError:
            # A forged cursor whose position is not an id ("p=abc"): the filter refuses it.
            raise NotFound(self.invalid_cursor_message) from None

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # absent or "?limit=": like the empty filters, the default
            return self.page_size
        try:
            value = int(raw)
        except ValueError:
            raise ValidationFailed(
                "limit must be a whole number.", fields={"limit": ["Enter a number from 1 to 200."]}
            ) from None
        return max(1, min(value, self.max_page_size))

    def get_paginated_response(self, data) -> Response:
        return Response(
            {"results": data, "next": self.get_next_link(), "previous": self.get_previous_link()}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
