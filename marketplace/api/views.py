from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.selectors.segments import active_segment_list
from marketplace.serializers import SegmentSerializer


class SegmentListApi(APIView):
    """Every active segment with its rules. Public: integrators read it before they have a key."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "SegmentList",
            {
                "results": SegmentSerializer(many=True),
                "next": serializers.CharField(allow_null=True),
            },
        )
    )
    def get(self, request: Request) -> Response:
        segments = active_segment_list()
        return Response({"results": SegmentSerializer(segments, many=True).data, "next": None})
