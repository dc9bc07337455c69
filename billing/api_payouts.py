"""Payout API: suppliers request and list payouts; moderators decide them."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models.payouts import Payout
from billing.selectors_payouts import organization_payouts
from billing.services.payouts import (
    payout_approve,
    payout_mark_paid,
    payout_reject,
    payout_request,
)
from marketplace.api.idempotency import idempotent
from marketplace.api.pagination import CursorPagination
from marketplace.api.permissions import IsModerator, IsSupplier, acting_organization
from marketplace.api.schema import error_responses, page_of
from marketplace.errors import ValidationFailed
from marketplace.models import User
from marketplace.money import MoneyFormatError, format_cents, parse_amount


class PayoutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    method = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    stripe_transfer_id = serializers.CharField()
    reference = serializers.CharField()
    failure_reason = serializers.CharField()

    @staticmethod
    def of(payout: Payout) -> dict:
        when = serializers.DateTimeField()
        return {
            "id": str(payout.pk),
            "status": payout.status,
            "amount": format_cents(payout.amount_cents),
            "currency": payout.currency,
            "method": payout.method,
            "requested_at": when.to_representation(payout.requested_at),
            "decided_at": when.to_representation(payout.decided_at) if payout.decided_at else None,
            "paid_at": when.to_representation(payout.paid_at) if payout.paid_at else None,
            "stripe_transfer_id": payout.stripe_transfer_id,
            "reference": payout.reference,
            "failure_reason": payout.failure_reason,
        }


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed("Send a JSON object.", fields={"non_field_errors": ["An object."]})
    return request.data


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} is text.", fields={name: ["Text."]})
    return value


def _user(request: Request) -> User | None:
    return request.user if isinstance(request.user, User) else None


class PayoutListCreateApi(APIView):
    """A supplier's payouts; POST asks for a payout of the payable balance."""

    permission_classes = [IsSupplier]

    @extend_schema(
        parameters=[OpenApiParameter("limit", int), OpenApiParameter("cursor", str)],
        responses={
            200: page_of(PayoutSerializer(many=True), "PayoutPage"),
            **error_responses(401, 403),
        },
    )
    def get(self, request: Request) -> Response:
        payouts = organization_payouts(organization=acting_organization(request))
        paginator = CursorPagination()
        page = paginator.paginate_queryset(payouts, request, view=self)
        return paginator.get_paginated_response([PayoutSerializer.of(p) for p in page])

    @extend_schema(
        request=inline_serializer(
            "PayoutRequest", {"amount": serializers.CharField(required=False)}
        ),
        responses={201: PayoutSerializer, **error_responses(400, 401, 402, 403, 409, 422)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = _body(request)
        amount_cents = None
        if body.get("amount") is not None:
            try:
                amount_cents = parse_amount(body["amount"])
            except MoneyFormatError as exc:
                raise ValidationFailed(str(exc), fields={"amount": [str(exc)]}) from None
            if amount_cents == 0:
                raise ValidationFailed(
                    "The amount must be more than zero.", fields={"amount": ["More than 0."]}
                )
        payout = payout_request(
            organization=acting_organization(request),
            requested_by=_user(request),
            amount_cents=amount_cents,
        )
        return Response(PayoutSerializer.of(payout), status=201)


class _ModerationApi(APIView):
    permission_classes = [IsModerator]


class PayoutApproveApi(_ModerationApi):
    """Approve a requested payout: a Stripe transfer when the supplier has a connected
    account, else it waits to be marked paid."""

    @extend_schema(
        request=None, responses={200: PayoutSerializer, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request: Request, payout_id: str) -> Response:
        payout = payout_approve(payout_id=payout_id, moderator=request.user)
        return Response(PayoutSerializer.of(payout))


class PayoutRejectApi(_ModerationApi):
    @extend_schema(
        request=inline_serializer(
            "PayoutReject", {"reason": serializers.CharField(required=False)}
        ),
        responses={200: PayoutSerializer, **error_responses(401, 403, 404, 409, 422)},
    )
    def post(self, request: Request, payout_id: str) -> Response:
        reason = _text(_body(request), "reason")
        payout = payout_reject(payout_id=payout_id, moderator=request.user, reason=reason)
        return Response(PayoutSerializer.of(payout))


class PayoutMarkPaidApi(_ModerationApi):
    @extend_schema(
        request=inline_serializer("PayoutMarkPaid", {"reference": serializers.CharField()}),
        responses={200: PayoutSerializer, **error_responses(401, 403, 404, 409, 422)},
    )
    def post(self, request: Request, payout_id: str) -> Response:
        reference = _text(_body(request), "reference")
        payout = payout_mark_paid(payout_id=payout_id, moderator=request.user, reference=reference)
        return Response(PayoutSerializer.of(payout))
