"""``POST /api/v1/wallet/topups/``: start a Stripe Checkout payment into the wallet."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.services.topups import topup_create
from marketplace.api.idempotency import idempotent
from marketplace.api.permissions import IsBuyer, acting_organization
from marketplace.errors import ValidationFailed
from marketplace.money import MoneyFormatError, currency, parse_amount


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


class TopUpCreateApi(APIView):
    """A buyer adds money: answers the Stripe Checkout address to send the payer to.
    The wallet is credited when Stripe's signed event arrives, not now."""

    permission_classes = [IsBuyer]

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
