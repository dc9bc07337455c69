"""Quality's API: returns, the supplier's answer, moderators' decisions and the
public supplier card. Thin: validate, one service call, serialize."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api.idempotency import idempotent
from marketplace.api.pagination import CursorPagination
from marketplace.api.parsers import StrictJSONParser
from marketplace.api.permissions import IsBuyer, IsModerator, IsSupplier, acting_organization
from marketplace.api.schema import error_responses, page_of
from marketplace.errors import NotFound, ValidationFailed
from marketplace.models import User
from quality.models import Dispute, Return, ReturnStatus
from quality.selectors import organization_returns, public_supplier, supplier_rating
from quality.services import dispute_resolve, return_accept, return_contest, return_request
from quality.services.returns import object_id


class IsOrganization(BasePermission):
    message = gettext_lazy("This needs an organization.")

    def has_permission(self, request, view) -> bool:
        return acting_organization(request) is not None


def _user(request: Request) -> User | None:
    """The person acting (a session); None for an organization's API key."""
    return request.user if isinstance(request.user, User) else None


def _field(request: Request, name: str) -> object:
    """A body field, JSON or multipart alike; a repeated multipart field is refused."""
    data = request.data
    if hasattr(data, "getlist") and len(data.getlist(name)) > 1:
        raise ValidationFailed(
            _("Send %(name)s once.") % {"name": name}, fields={name: [_("Sent more than once.")]}
        )
    return data.get(name) if hasattr(data, "get") else None


def _evidence_file(request: Request):
    files = request.FILES.getlist("evidence_file")
    if len(files) > 1:
        raise ValidationFailed(_("Send one evidence file."), fields={"evidence_file": [_("One.")]})
    return files[0] if files else None


# --- serializers ------------------------------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    party = serializers.CharField()
    note = serializers.CharField()
    file_name = serializers.CharField()
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class DisputeSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    cause = serializers.CharField()
    decision = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class ReturnSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    purchase = serializers.UUIDField(source="sale_id")
    status = serializers.CharField()
    reason = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    respond_by = serializers.DateTimeField()
    check = serializers.JSONField(source="check_result")
    supplier_comment = serializers.CharField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    evidence = EvidenceSerializer(many=True, source="evidence.all")
    dispute = serializers.SerializerMethodField()

    def get_dispute(self, ret: Return) -> dict | None:
        dispute = getattr(ret, "dispute", None) if hasattr(ret, "dispute") else None
        return DisputeSummarySerializer(dispute).data if dispute else None


class DisputeSerializer(DisputeSummarySerializer):
    ret = ReturnSerializer(read_only=True)

    def to_representation(self, instance: Dispute) -> dict:
        data = super().to_representation(instance)
        data["return"] = data.pop("ret")
        return data


def _return_data(ret: Return) -> dict:
    fresh = Return.objects.select_related("dispute").prefetch_related("evidence").get(pk=ret.pk)
    return ReturnSerializer(fresh).data


_RETURN_INPUT = inline_serializer(
    "ReturnRequest",
    {
        "reason": serializers.CharField(help_text="A code of the segment's return_reasons."),
        "comment": serializers.CharField(required=False),
        "evidence_note": serializers.CharField(required=False, help_text="E.g. a call log."),
        "evidence_file": serializers.FileField(
            required=False, help_text="multipart only: PDF, PNG, JPEG, MP3, WAV, TXT or CSV."
        ),
    },
)


# --- views ------------------------------------------------------------------------------


class PurchaseReturnCreateApi(APIView):
    """A buyer returns one of its purchases, inside its return window."""

    permission_classes = [IsBuyer]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": _RETURN_INPUT, "multipart/form-data": _RETURN_INPUT},
        responses={201: ReturnSerializer, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request, sale_id: str) -> Response:
        ret = return_request(
            buyer=acting_organization(request),
            sale_id=sale_id,
            reason=_field(request, "reason"),
            comment=_field(request, "comment"),
            evidence_note=_field(request, "evidence_note"),
            evidence_file=_evidence_file(request),
            user=_user(request),
        )
        return Response(_return_data(ret), status=status.HTTP_201_CREATED)


class ReturnListApi(APIView):
    """Returns against this organization's leads and the returns it asked for."""

    permission_classes = [IsOrganization]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ReturnStatus.values),
            OpenApiParameter("limit", int),
            OpenApiParameter("cursor", str),
        ],
        responses={
            200: page_of(ReturnSerializer(many=True), "ReturnPage"),
            **error_responses(401, 403, 422),
        },
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in ReturnStatus.values:
            raise ValidationFailed(
                _("Unknown status."),
                fields={
                    "status": [_("Must be one of: %(v)s.") % {"v": ", ".join(ReturnStatus.values)}]
                },
            )
        returns = organization_returns(organization=acting_organization(request), status=wanted)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(returns, request, view=self)
        return paginator.get_paginated_response(ReturnSerializer(page, many=True).data)


class ReturnAcceptApi(APIView):
    """The supplier accepts a return: the buyer is refunded."""

    permission_classes = [IsSupplier]

    @extend_schema(
        request=None, responses={200: ReturnSerializer, **error_responses(401, 403, 404, 409)}
    )
    @idempotent
    def post(self, request: Request, return_id: str) -> Response:
        ret = return_accept(
            supplier=acting_organization(request), return_id=return_id, user=_user(request)
        )
        return Response(_return_data(ret))


class ReturnContestApi(APIView):
    """The supplier contests a return before respond_by: a dispute for the moderators."""

    permission_classes = [IsSupplier]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=inline_serializer(
            "ReturnContest",
            {
                "comment": serializers.CharField(),
                "evidence_note": serializers.CharField(required=False),
                "evidence_file": serializers.FileField(required=False),
            },
        ),
        responses={200: ReturnSerializer, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request, return_id: str) -> Response:
        ret = return_contest(
            supplier=acting_organization(request),
            return_id=return_id,
            comment=_field(request, "comment"),
            evidence_note=_field(request, "evidence_note"),
            evidence_file=_evidence_file(request),
            user=_user(request),
        )
        return Response(_return_data(ret))


class DisputeResolveApi(APIView):
    """A moderator decides a dispute: refund the buyer or reject the return. Once."""

    permission_classes = [IsModerator]

    @extend_schema(
        request=inline_serializer(
            "DisputeResolve",
            {
                "decision": serializers.ChoiceField(choices=["refund", "reject"]),
                "note": serializers.CharField(required=False),
            },
        ),
        responses={200: DisputeSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, dispute_id: str) -> Response:
        dispute = dispute_resolve(
            dispute_id=dispute_id,
            moderator=request.user,
            decision=_field(request, "decision"),
            note=_field(request, "note"),
        )
        return Response(DisputeSerializer(dispute).data)


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(allow_null=True)
    tier = serializers.CharField(allow_null=True)
    leads_sold = serializers.IntegerField()
    return_rate = serializers.FloatField()
    dispute_loss_rate = serializers.FloatField()
    conversion_rate = serializers.FloatField()
    updated_at = serializers.DateTimeField(allow_null=True)


class SupplierCardSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    rating = RatingSerializer()


def supplier_card(supplier) -> dict:
    """The public card: the latest overall rating (nulls before the first computation)."""
    rating = supplier_rating(supplier=supplier)
    return {
        "id": str(supplier.pk),
        "name": supplier.name,
        "rating": {
            "score": rating.score if rating else supplier.rating_score,
            "tier": (rating.tier if rating else supplier.rating_tier) or None,
            "leads_sold": rating.leads_sold if rating else 0,
            "return_rate": round(rating.return_rate, 4) if rating else 0.0,
            "dispute_loss_rate": round(rating.dispute_loss_rate, 4) if rating else 0.0,
            "conversion_rate": round(rating.conversion_rate, 4) if rating else 0.0,
            "updated_at": serializers.DateTimeField().to_representation(rating.computed_at)
            if rating
            else None,
        },
    }


class SupplierCardApi(APIView):
    """Public card of a supplier organization with its rating."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: SupplierCardSerializer, **error_responses(404)})
    def get(self, request: Request, supplier_id: str) -> Response:
        supplier = public_supplier(supplier_id=object_id(supplier_id, what="supplier"))
        if supplier is None:
            raise NotFound(_("No such supplier."))
        return Response(supplier_card(supplier))
