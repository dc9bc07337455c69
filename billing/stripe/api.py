"""``/api/v1/wallet/topups/``: a buyer's Stripe top-ups (GET) and starting one (POST)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import TopUp, TopUpStatus
from billing.selectors import organization_topups
from billing.services.topups import topup_create
from marketplace.api.idempotency import idempotent
from marketplace.api.pagination import CursorPagination
from marketplace.api.permissions import IsBuyer, acting_organization
from marketplace.api.schema import error_responses, page_of
from marketplace.errors import ValidationFailed
from marketplace.money import MoneyFormatError, currency, format_cents, parse_amount


def amount_from(data: object) -> int:
    """The body's ``amount`` → cents, with the same rules as every amount in the API."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "Send a JSON object.", fields={"non_field_errors": ["Not an object."]}
        )
    if "currency" in data and (
        not isinstance(data["currency"], str) or data["currency"].upper() != currency()
    ):
        problem = f"Top-ups are in {currency()}."
        raise ValidationFailed(problem, fields={"currency": [problem]})
    if data.get("amount") in (None, ""):
        raise ValidationFailed("amount is required.", fields={"amount": ["Required."]})
    try:
        cents = parse_amount(data["amount"])
    except MoneyFormatError as exc:
        raise ValidationFailed(str(exc), fields={"amount": [str(exc)]}) from None
    if cents == 0:
        raise ValidationFailed(
            "The amount must be more than zero.", fields={"amount": ["Must be more than 0."]}
        )
    return cents


class TopUpSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=TopUpStatus.choices)
    amount = serializers.CharField(help_text='A decimal string: "100.00".')
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    credited = serializers.BooleanField(help_text="The wallet received this money.")
    credited_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def of(topup: TopUp) -> dict:
        when = serializers.DateTimeField()
        return {
            "id": str(topup.pk),
            "status": topup.status,
            "amount": format_cents(topup.amount_cents),
            "currency": topup.currency,
            "created_at": when.to_representation(topup.created_at),
            "credited": topup.is_credited,
            "credited_at": when.to_representation(topup.paid_at) if topup.paid_at else None,
        }


def status_from(request: Request) -> str | None:
    value = request.query_params.get("status") or None
    if value is not None and value not in TopUpStatus.values:
        choices = ", ".join(TopUpStatus.values)
        raise ValidationFailed("Unknown status.", fields={"status": [f"One of: {choices}."]})
    return value


class TopUpListCreateApi(APIView):
    """A buyer's top-ups, newest first; POST adds money: answers the Stripe Checkout
    address to send the payer to. The wallet is credited when Stripe's signed event
    arrives, not now."""

    permission_classes = [IsBuyer]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=TopUpStatus.values),
            OpenApiParameter("limit", int),
            OpenApiParameter("cursor", str),
        ],
        responses={
            200: page_of(TopUpSerializer(many=True), "TopUpPage"),
            **error_responses(401, 403, 404, 422),
        },
    )
    def get(self, request: Request) -> Response:
        topups = organization_topups(
            organization=acting_organization(request), status=status_from(request)
        )
        paginator = CursorPagination()
        page = paginator.paginate_queryset(topups, request, view=self)
        return paginator.get_paginated_response([TopUpSerializer.of(topup) for topup in page])

    @extend_schema(
        request=inline_serializer(
            "TopUpRequest",
            {"amount": serializers.CharField(), "currency": serializers.CharField(required=False)},
        ),
        responses={
            201: inline_serializer(
                "TopUpCreated",
                {"id": serializers.UUIDField(), "checkout_url": serializers.URLField()},
            )
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        topup = topup_create(
            organization=acting_organization(request),
            user=request.user,
            amount_cents=amount_from(request.data),
            site_url=request.build_absolute_uri("/"),
        )
        return Response({"id": str(topup.pk), "checkout_url": topup.checkout_url}, status=201)
