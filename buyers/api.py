"""Buyer API: buying a lead, the purchases, their outcomes, actions and export."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from buyers.exports import purchases_csv
from buyers.selectors import buyer_purchase, buyer_purchases, purchase_filters_clean
from buyers.serializers import (
    ActionInputSerializer,
    OutcomeInputSerializer,
    PurchaseInputSerializer,
    PurchaseSerializer,
)
from buyers.services import (
    personal_data_reveal,
    purchase_action_report,
    purchase_create,
    purchase_outcome_set,
)
from marketplace.api.idempotency import idempotent
from marketplace.api.pagination import CursorPagination
from marketplace.api.permissions import IsBuyer, acting_organization
from marketplace.api.schema import error_responses, page_of
from marketplace.models import AccessChannel, ApiKey, BillingModel, SaleStatus, User
from marketplace.services.idempotency import StoredResponse

_FILTERS = [
    OpenApiParameter("status", str, enum=SaleStatus.values),
    OpenApiParameter("segment", str),
    OpenApiParameter("billing_model", str, enum=BillingModel.values),
]


def _caller(request: Request) -> dict:
    """Who is looking: a person (session) or an organization's API key."""
    return {
        "user": request.user if isinstance(request.user, User) else None,
        "api_key": request.auth if isinstance(request.auth, ApiKey) else None,
    }


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _reveal(request: Request, sales: list, channel: str = AccessChannel.API) -> None:
    personal_data_reveal(
        buyer=acting_organization(request), sales=sales, channel=channel, **_caller(request)
    )


class RevealOnReplay:
    """A replayed answer (same Idempotency-Key) shows the purchase's personal data
    again: the access log records that reveal as it recorded the first one."""

    def idempotency_replayed(self, request: Request, stored: StoredResponse) -> None:
        if not 200 <= stored.status_code < 300:
            return  # a refusal shows no personal data
        try:
            sale_id = json.loads(stored.body).get("id")
        except (ValueError, AttributeError):
            return
        sale = buyer_purchase(buyer=acting_organization(request), sale_id=sale_id)
        _reveal(request, [sale])


class PurchaseCreateApi(RevealOnReplay, APIView):
    """Buy a lead: pay-per-lead charges the wallet now, pay-per-action reserves the price."""

    permission_classes = [IsBuyer]

    @extend_schema(
        request=PurchaseInputSerializer,
        responses={
            201: PurchaseSerializer,
            **error_responses(400, 401, 402, 403, 404, 409, 422, 429),
        },
    )
    @idempotent
    def post(self, request: Request, lead_id: str) -> Response:
        data = _valid(PurchaseInputSerializer, request)
        sale = purchase_create(
            buyer=acting_organization(request),
            lead_id=lead_id,
            billing_model=data["billing_model"],
            reveal=AccessChannel.API,
            **_caller(request),
        )
        return Response(PurchaseSerializer(sale).data, status=status.HTTP_201_CREATED)


class PurchaseListApi(APIView):
    permission_classes = [IsBuyer]

    @extend_schema(
        operation_id="purchases_list",
        parameters=[*_FILTERS, OpenApiParameter("limit", int), OpenApiParameter("cursor", str)],
        responses={
            200: page_of(PurchaseSerializer(many=True), "PurchasePage"),
            **error_responses(401, 403, 422),
        },
    )
    def get(self, request: Request) -> Response:
        filters = purchase_filters_clean(request.query_params)
        purchases = buyer_purchases(buyer=acting_organization(request), **filters)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(purchases, request, view=self)
        _reveal(request, page)
        return paginator.get_paginated_response(PurchaseSerializer(page, many=True).data)


class PurchaseDetailApi(APIView):
    permission_classes = [IsBuyer]

    @extend_schema(responses={200: PurchaseSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, sale_id: str) -> Response:
        sale = buyer_purchase(buyer=acting_organization(request), sale_id=sale_id)
        _reveal(request, [sale])
        return Response(PurchaseSerializer(sale).data)

    @extend_schema(
        request=OutcomeInputSerializer,
        responses={200: PurchaseSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
    )
    def patch(self, request: Request, sale_id: str) -> Response:
        buyer = acting_organization(request)
        buyer_purchase(buyer=buyer, sale_id=sale_id)  # another buyer's: 404 before anything
        data = _valid(OutcomeInputSerializer, request)
        sale = purchase_outcome_set(
            buyer=buyer,
            sale_id=sale_id,
            outcome=data["outcome"],
            reason=data.get("outcome_reason", ""),
            user=_caller(request)["user"],
        )
        sale = buyer_purchase(buyer=buyer, sale_id=sale.pk)
        _reveal(request, [sale])
        return Response(PurchaseSerializer(sale).data)


class PurchaseActionApi(RevealOnReplay, APIView):
    """Report the agreed action: charges a pay-per-action purchase inside its window."""

    permission_classes = [IsBuyer]

    @extend_schema(
        request=ActionInputSerializer,
        responses={200: PurchaseSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, sale_id: str) -> Response:
        buyer = acting_organization(request)
        buyer_purchase(buyer=buyer, sale_id=sale_id)  # another buyer's: 404 before anything
        data = _valid(ActionInputSerializer, request)
        purchase_action_report(
            buyer=buyer,
            sale_id=sale_id,
            action_type=data["type"],
            external_ref=data.get("external_ref", ""),
            occurred_at=data.get("occurred_at"),
            user=_caller(request)["user"],
        )
        sale = buyer_purchase(buyer=buyer, sale_id=sale_id)
        _reveal(request, [sale])
        return Response(PurchaseSerializer(sale).data)


class PurchaseExportApi(APIView):
    """The purchases as CSV (UTF-8 with BOM; cells starting with = + - @ tab CR escaped)."""

    permission_classes = [IsBuyer]

    @extend_schema(
        parameters=_FILTERS,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            **error_responses(401, 403, 422),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        filters = purchase_filters_clean(request.query_params)
        purchases = buyer_purchases(buyer=acting_organization(request), **filters)
        response = StreamingHttpResponse(
            purchases_csv(
                purchases, on_batch=lambda batch: _reveal(request, batch, AccessChannel.EXPORT)
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="leadmarket-purchases.csv"'
        return response
