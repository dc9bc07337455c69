"""Wallet API: balances and ledger lines of the acting organization."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import Entry
from billing.selectors import (
    ACCOUNT_LABEL,
    line_description,
    organization_ledger_lines,
    wallet_balances,
)
from marketplace.api.pagination import CursorPagination
from marketplace.api.permissions import acting_organization
from marketplace.money import currency, format_cents


class IsOrganizationMember(BasePermission):
    """Any organization (buyer or supplier) acting through a key or a session; not a bare
    moderator."""

    message = "This needs an organization."

    def has_permission(self, request, view) -> bool:
        return acting_organization(request) is not None


class WalletSerializer(serializers.Serializer):
    currency = serializers.CharField()
    available = serializers.CharField()
    reserved = serializers.CharField()
    pending = serializers.CharField()
    payable = serializers.CharField()


class ReferenceSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()


class LedgerLineSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    transaction_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    kind = serializers.CharField()
    description = serializers.CharField()
    account = serializers.CharField()
    amount = serializers.CharField()
    balance_after = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    reference = ReferenceSerializer(allow_null=True)

    @staticmethod
    def from_entry(entry: Entry) -> dict:
        posted = entry.transaction
        reference = None
        if posted.reference_type and posted.reference_id:
            reference = {"type": posted.reference_type, "id": posted.reference_id}
        return {
            "id": str(entry.pk),
            "transaction_id": str(posted.pk),
            "created_at": serializers.DateTimeField().to_representation(posted.created_at),
            "kind": posted.kind,
            "description": line_description(entry),
            "account": ACCOUNT_LABEL[entry.account.kind],
            "amount": format_cents(entry.amount_cents),
            "balance_after": format_cents(entry.balance_after_cents),
            "currency": currency(),
            "reference": reference,
        }


class WalletApi(APIView):
    """The organization's balances: a buyer's available and reserved money, a supplier's
    pending and payable earnings."""

    permission_classes = [IsOrganizationMember]

    @extend_schema(responses=WalletSerializer)
    def get(self, request: Request) -> Response:
        balances = wallet_balances(organization=acting_organization(request))
        return Response(
            {
                "currency": currency(),
                "available": format_cents(balances.available_cents),
                "reserved": format_cents(balances.reserved_cents),
                "pending": format_cents(balances.pending_cents),
                "payable": format_cents(balances.payable_cents),
            }
        )


class WalletTransactionListApi(APIView):
    """The organization's ledger lines, newest first."""

    permission_classes = [IsOrganizationMember]
    pagination_class = CursorPagination

    @extend_schema(
        parameters=[OpenApiParameter("limit", int), OpenApiParameter("cursor", str)],
        responses=LedgerLineSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        lines = organization_ledger_lines(organization=acting_organization(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(lines, request, view=self)
        return paginator.get_paginated_response(
            [LedgerLineSerializer.from_entry(entry) for entry in page]
        )
