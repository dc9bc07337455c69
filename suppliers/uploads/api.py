"""Uploads API: send a CSV/XLSX file of leads, watch it, fetch its error report."""

from __future__ import annotations

import hashlib
import json

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api.idempotency import idempotent
from marketplace.api.pagination import CursorPagination
from marketplace.api.parsers import StrictJSONParser
from marketplace.api.permissions import IsSupplier, acting_organization
from marketplace.api.schema import error_responses, page_of
from marketplace.errors import ValidationFailed
from suppliers.uploads.models import Upload, UploadStatus
from suppliers.uploads.report import error_report_filename, error_report_lines
from suppliers.uploads.selectors import supplier_upload, supplier_uploads
from suppliers.uploads.services import upload_create

# Every status an upload can show, in the order it goes through them (docs/uploads.md).
STATUS_HELP = (
    "`awaiting_mapping`: uploaded on the supplier's page, the file waits for its columns "
    "to be confirmed there (dropped after a day); `queued`: waits for a worker or for "
    "another upload of the supplier to end; `processing`: rows are being read, "
    "`processed_rows` grows; `done`: every row judged, the counts are final; `failed`: "
    "stopped, `failure_reason` says why (the rows before it are stored)."
)


class UploadSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=UploadStatus.choices, help_text=STATUS_HELP)
    url = serializers.URLField()
    segment = serializers.CharField()
    file_name = serializers.CharField()
    total_rows = serializers.IntegerField(allow_null=True)
    processed_rows = serializers.IntegerField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    reasons = serializers.DictField(child=serializers.IntegerField())
    failure_reason = serializers.CharField(allow_null=True)
    errors_url = serializers.URLField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def of(upload: Upload, request: Request) -> dict:
        def absolute(name: str) -> str:
            return request.build_absolute_uri(reverse(name, args=[upload.pk]))

        return {
            "id": str(upload.pk),
            "status": upload.status,
            "url": absolute("api:upload-detail"),
            "segment": upload.segment.slug,
            "file_name": upload.original_name,
            "total_rows": upload.total_rows,
            "processed_rows": upload.processed_rows,
            "accepted": upload.accepted,
            "duplicates": upload.duplicates,
            "rejected": upload.rejected,
            "reasons": dict(upload.reason_counts),
            "failure_reason": upload.failure_reason or None,
            "errors_url": absolute("api:upload-errors"),
            "created_at": serializers.DateTimeField().to_representation(upload.created_at),
            "finished_at": (
                serializers.DateTimeField().to_representation(upload.finished_at)
                if upload.finished_at
                else None
            ),
        }


class UploadInputSerializer(serializers.Serializer):
    """Documentation only: the multipart form the service checks."""

    file = serializers.FileField(
        help_text="CSV (UTF-8 ±BOM, Windows-1251/1250, ISO-8859-2) or XLSX."
    )
    segment = serializers.SlugField()
    column_map = serializers.CharField(
        required=False,
        help_text='JSON: file column → field, e.g. {"Telefon": "phone", "Notes": null}.',
    )


def _column_map(raw: object) -> dict | None:
    if raw in (None, ""):
        return None
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ValidationFailed(
            _("column_map must be a JSON object: file column → field."),
            fields={"column_map": [_('Expected JSON such as {"Telefon": "phone"}.')]},
        )
    return value


class UploadListCreateApi(APIView):
    permission_classes = [IsSupplier]
    parser_classes = [MultiPartParser, FormParser, StrictJSONParser]

    @extend_schema(
        operation_id="uploads_list",
        parameters=[OpenApiParameter("limit", int), OpenApiParameter("cursor", str)],
        responses={
            200: page_of(UploadSerializer(many=True), "UploadPage"),
            **error_responses(401, 403),
        },
    )
    def get(self, request: Request) -> Response:
        uploads = supplier_uploads(supplier=acting_organization(request))
        paginator = CursorPagination()
        page = paginator.paginate_queryset(uploads, request, view=self)
        return paginator.get_paginated_response([UploadSerializer.of(u, request) for u in page])

    def idempotency_body(self, request: Request) -> bytes:
        """What makes two upload requests the same: the file's bytes (hashed, not held
        in memory), the segment and the column map."""
        digest = hashlib.sha256()
        file = request.FILES.get("file")
        if file is not None:
            for chunk in file.chunks():
                digest.update(chunk)
            file.seek(0)
        for name in ("segment", "column_map"):
            digest.update(b"\0" + str(request.data.get(name, "")).encode())
        return digest.hexdigest().encode()

    @extend_schema(
        request={"multipart/form-data": UploadInputSerializer},
        responses={202: UploadSerializer, **error_responses(400, 401, 403, 413, 415, 422, 429)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        file = request.FILES.get("file") if hasattr(request, "FILES") else None
        if file is None:
            raise ValidationFailed(
                _('Send the file as multipart/form-data in the field "file".'),
                fields={"file": [_("This field is required.")]},
            )
        upload = upload_create(
            supplier=acting_organization(request),
            segment_slug=request.data.get("segment"),
            chunks=file.chunks(),
            original_name=file.name or "",
            size_hint=file.size,
            column_map=_column_map(request.data.get("column_map")),
            created_by=request.user
            if getattr(request.user, "is_authenticated", False) and request.auth is None
            else None,
        )
        return Response(UploadSerializer.of(upload, request), status=status.HTTP_202_ACCEPTED)


class UploadDetailApi(APIView):
    permission_classes = [IsSupplier]

    @extend_schema(responses={200: UploadSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, upload_id: str) -> Response:
        upload = supplier_upload(supplier=acting_organization(request), upload_id=upload_id)
        return Response(UploadSerializer.of(upload, request))


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class UploadErrorsApi(APIView):
    """Every row that was not accepted: its row number, outcome, reasons and cells."""

    permission_classes = [IsSupplier]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The error report."),
            **error_responses(401, 403, 404),
        }
    )
    def get(self, request: Request, upload_id: str) -> StreamingHttpResponse:
        upload = supplier_upload(supplier=acting_organization(request), upload_id=upload_id)
        response = StreamingHttpResponse(
            error_report_lines(upload), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{error_report_filename(upload)}"'
        return response
