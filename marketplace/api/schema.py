"""Documentation-only shapes for the OpenAPI schema: the error envelope and list pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: validation_failed, duplicate, ...")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Problems per field, dotted for nested ones ("consent.captured_at").',
    )


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(response=ErrorEnvelopeSerializer, description="An error.")
        for code in codes
    }


def page_of(serializer: serializers.Serializer, name: str) -> serializers.Serializer:
    """``{"results": [...], "next", "previous"}`` as CursorPagination answers."""
    return inline_serializer(
        name,
        {
            "results": serializer,
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True, required=False),
        },
    )
