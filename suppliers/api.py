"""Supplier API: sending leads and reading them back."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api.errors import error_body
from marketplace.api.idempotency import idempotent
from marketplace.api.pagination import CursorPagination
from marketplace.api.permissions import IsSupplier, acting_organization
from marketplace.api.schema import error_responses, page_of
from marketplace.errors import ValidationFailed
from marketplace.models import (
    Lead,
    LeadSource,
    LeadStatus,
    RejectionReason,
    Sale,
    SaleStatus,
    Temperature,
)
from marketplace.serializers import (
    LeadDetailSerializer,
    LeadReceiptSerializer,
    MoneyField,
    lead_receipt,
)
from suppliers.intake.validation import TIMELINES
from suppliers.selectors import supplier_leads
from suppliers.services import IntakeResult, lead_submit, lead_submit_batch

_REASON_TEXT = dict(RejectionReason.choices)


class _ConsentInput(serializers.Serializer):
    text = serializers.CharField()
    captured_at = serializers.DateTimeField()
    ip = serializers.IPAddressField(required=False, allow_null=True)
    page_url = serializers.URLField(required=False, allow_null=True)
    certificate_url = serializers.URLField(required=False, allow_null=True)


class _QualificationInput(serializers.Serializer):
    budget = serializers.BooleanField(required=False, allow_null=True)
    authority = serializers.BooleanField(required=False, allow_null=True)
    need = serializers.BooleanField(required=False, allow_null=True)
    timeline = serializers.ChoiceField(choices=TIMELINES, required=False, allow_null=True)


class LeadInputSerializer(serializers.Serializer):
    """The lead as sent: documentation only; ``validate_lead`` is the one implementation."""

    segment = serializers.SlugField(help_text="See GET /api/v1/segments/.")
    external_id = serializers.CharField(max_length=128)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False)
    phone = serializers.CharField(required=False, help_text="Phone and/or email is required.")
    email = serializers.EmailField(required=False)
    country = serializers.CharField(min_length=2, max_length=2, help_text="ISO 3166, e.g. PL.")
    region = serializers.CharField(required=False, help_text="ISO 3166-2, e.g. PL-MZ.")
    city = serializers.CharField(max_length=128, required=False)
    postal_code = serializers.CharField(max_length=16, required=False)
    temperature = serializers.ChoiceField(choices=Temperature.choices, required=False)
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    captured_at = serializers.DateTimeField(required=False)
    consent = _ConsentInput()
    qualification = _QualificationInput(required=False)
    attributes = serializers.DictField(
        required=False, help_text="As the segment's JSON schema (its ``fields``) describes."
    )
    price = serializers.CharField(required=False, help_text='A decimal string: "12.50".')
    cpa_price = serializers.CharField(
        required=False, allow_null=True, help_text="null: CPA is not offered."
    )
    max_sales = serializers.IntegerField(min_value=1, required=False)


class LeadSaleSerializer(serializers.ModelSerializer):
    """One sale of the supplier's lead: of the buyer, only its organization's name."""

    buyer = serializers.CharField(source="buyer.name", read_only=True)
    price = MoneyField(source="price_cents")

    class Meta:
        model = Sale
        fields = ["id", "buyer", "billing_model", "price", "status", "purchased_at"]
        read_only_fields = fields


class SupplierLeadSerializer(LeadDetailSerializer):
    """The supplier's own lead, every field as stored, with its sales."""

    sales = LeadSaleSerializer(many=True, read_only=True)
    returns = serializers.SerializerMethodField(
        help_text="Sales of this lead taken back by an accepted or refunded return."
    )

    class Meta(LeadDetailSerializer.Meta):
        fields = [*LeadDetailSerializer.Meta.fields, "sales", "returns"]

    def get_returns(self, lead: Lead) -> int:
        # The sales are prefetched by supplier_leads: counting them costs no query.
        return sum(1 for sale in lead.sales.all() if sale.status == SaleStatus.RETURNED)


def rejection_error(lead: Lead) -> tuple[int, dict]:
    """A rejected lead's answer: 409 for a plain duplicate, else 422 with the reasons."""
    reasons = list(lead.rejection_reasons)
    # The labels are lazy translations: str() renders them in the active language.
    message = "; ".join(str(_REASON_TEXT.get(reason, reason)) for reason in reasons) + "."
    if reasons == [RejectionReason.DUPLICATE]:
        return status.HTTP_409_CONFLICT, error_body(
            "duplicate", message, reasons=reasons, id=str(lead.pk)
        )
    return 422, error_body("rejected", message, reasons=reasons, id=str(lead.pk))


def intake_answer(result: IntakeResult) -> tuple[int, dict]:
    if result.lead.status == LeadStatus.REJECTED:
        return rejection_error(result.lead)
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return code, lead_receipt(result.lead)


class LeadListCreateApi(APIView):
    permission_classes = [IsSupplier]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=LeadStatus.values),
            OpenApiParameter("segment", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("cursor", str),
        ],
        responses={
            200: page_of(SupplierLeadSerializer(many=True), "LeadPage"),
            **error_responses(401, 403, 422),
        },
    )
    def get(self, request: Request) -> Response:
        lead_status = request.query_params.get("status") or None
        if lead_status is not None and lead_status not in LeadStatus.values:
            raise ValidationFailed(
                _("Unknown status."),
                fields={
                    "status": [
                        _("Must be one of: %(choices)s.")
                        % {"choices": ", ".join(LeadStatus.values)}
                    ]
                },
            )
        leads = supplier_leads(
            supplier=acting_organization(request),
            status=lead_status,
            segment=request.query_params.get("segment") or None,
        )
        paginator = CursorPagination()
        page = paginator.paginate_queryset(leads, request, view=self)
        return paginator.get_paginated_response(SupplierLeadSerializer(page, many=True).data)

    @extend_schema(
        request=LeadInputSerializer,
        responses={
            201: LeadReceiptSerializer,
            200: LeadReceiptSerializer,
            **error_responses(400, 401, 403, 409, 413, 415, 422, 429),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        result = lead_submit(supplier=acting_organization(request), payload=request.data)
        code, body = intake_answer(result)
        return Response(body, status=code)


class LeadBatchApi(APIView):
    permission_classes = [IsSupplier]

    @extend_schema(
        request=inline_serializer("LeadBatch", {"leads": LeadInputSerializer(many=True)}),
        responses={
            200: inline_serializer(
                "LeadBatchResult",
                {"results": serializers.ListField(child=serializers.DictField())},
            ),
            **error_responses(400, 401, 403, 413, 415, 422, 429),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = request.data
        leads = data.get("leads") if isinstance(data, dict) else None
        limit = settings.API_BATCH_MAX_LEADS
        if not isinstance(leads, list) or not leads:
            raise ValidationFailed(
                _('Send {"leads": [...]} with 1 to %(limit)s leads.') % {"limit": limit},
                fields={"leads": [_("Expected a non-empty list of leads.")]},
            )
        if len(leads) > limit:
            raise ValidationFailed(
                _("At most %(limit)s leads per batch.") % {"limit": limit},
                fields={"leads": [_("At most %(limit)s items.") % {"limit": limit}]},
            )
        outcomes = lead_submit_batch(supplier=acting_organization(request), payloads=leads)
        results = []
        for item in outcomes:
            if item.error is not None:
                results.append(
                    {
                        "index": item.index,
                        "status": "invalid",
                        "error": error_body(item.error.code, item.error.message, item.error.fields)[
                            "error"
                        ],
                    }
                )
                continue
            lead = item.result.lead
            entry = {
                "index": item.index,
                "status": lead.status,
                "id": str(lead.pk),
                "created": item.result.created,
            }
            if lead.status == LeadStatus.REJECTED:  # no receipt: a batch answers status and id
                entry["error"] = rejection_error(lead)[1]["error"]
            results.append(entry)
        return Response({"results": results}, status=status.HTTP_200_OK)
