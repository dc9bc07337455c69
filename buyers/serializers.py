"""A purchase as the buyer sees it: the sale's terms and the lead, personal data included."""

from __future__ import annotations

from rest_framework import serializers

from marketplace.models import BillingModel, Organization, Sale
from marketplace.serializers import LeadDetailSerializer, MoneyField


class SupplierRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]


class PurchasedLeadSerializer(LeadDetailSerializer):
    """Every field of the lead, personal data included, and who supplied it."""

    supplier = SupplierRefSerializer(read_only=True)

    class Meta(LeadDetailSerializer.Meta):
        fields = [f for f in LeadDetailSerializer.Meta.fields if f != "rejection_reasons"] + [
            "supplier"
        ]


class PurchaseSerializer(serializers.ModelSerializer):
    lead = PurchasedLeadSerializer(read_only=True)
    segment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    price = MoneyField(source="price_cents")

    class Meta:
        model = Sale
        fields = [
            "id",
            "lead",
            "segment",
            "billing_model",
            "price",
            "currency",
            "status",
            "outcome",
            "outcome_reason",
            "purchased_at",
            "return_deadline",
            "action_deadline",
            "action_reported_at",
            "converted_at",
        ]
        read_only_fields = fields


class PurchaseInputSerializer(serializers.Serializer):
    billing_model = serializers.ChoiceField(choices=BillingModel.choices)


class OutcomeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["contacted", "qualified", "unreachable", "refused"])
    outcome_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ActionInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["converted"])
    external_ref = serializers.CharField(required=False, allow_blank=True, max_length=128)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
