"""Output shapes shared by the API and pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.models import Lead, Segment
from marketplace.money import currency, format_cents


@extend_schema_field({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "example": "12.50"})
class MoneyField(serializers.Field):
    """Cents in the model → "12.50" in JSON (read-only)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: int | None) -> str | None:
        return format_cents(value)


@extend_schema_field(OpenApiTypes.STR)
class CurrencyField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value: object) -> str:
        return currency()


class SegmentSerializer(serializers.ModelSerializer):
    default_price = MoneyField(source="default_price_cents")
    default_cpa_price = MoneyField(source="default_cpa_price_cents")
    currency = CurrencyField()
    return_reasons = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = [
            "slug",
            "name",
            "description",
            "default_price",
            "default_cpa_price",
            "currency",
            "max_sales_limit",
            "return_window_hours",
            "action_window_days",
            "dedup_window_days",
            "return_reasons",
        ]

    def get_fields(self) -> dict:
        # "fields" (the attribute schema) cannot be declared as a class attribute: it would
        # shadow the serializer's own ``fields``. Added here, it is also in the OpenAPI schema.
        fields = super().get_fields()
        return {
            "slug": fields.pop("slug"),
            "name": fields.pop("name"),
            "fields": serializers.JSONField(
                read_only=True, help_text="JSON schema of the segment's lead attributes."
            ),
            **fields,
        }

    def get_return_reasons(self, segment: Segment) -> list[dict]:
        return [
            {"code": reason["code"], "label": reason["label"]} for reason in segment.return_reasons
        ]


class LeadReceiptSerializer(serializers.ModelSerializer):
    """The answer to a lead submission."""

    segment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    price = MoneyField(source="price_cents")
    cpa_price = MoneyField(source="cpa_price_cents", allow_null=True)
    currency = CurrencyField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "external_id",
            "status",
            "segment",
            "price",
            "cpa_price",
            "currency",
            "max_sales",
            "created_at",
        ]


_TIMESTAMP = serializers.DateTimeField()


def lead_receipt(lead: Lead) -> dict:
    """``LeadReceiptSerializer(lead).data`` built directly: the answer to every
    accepted lead post, where building the serializer was 5% of the request."""
    return {
        "id": str(lead.pk),
        "external_id": lead.external_id,
        "status": lead.status,
        "segment": lead.segment.slug,
        "price": format_cents(lead.price_cents),
        "cpa_price": format_cents(lead.cpa_price_cents),
        "currency": currency(),
        "max_sales": lead.max_sales,
        "created_at": _TIMESTAMP.to_representation(lead.created_at),
    }


class ConsentSerializer(serializers.Serializer):
    text = serializers.CharField(source="consent_text")
    captured_at = serializers.DateTimeField(source="consent_captured_at")
    ip = serializers.CharField(source="consent_ip")
    page_url = serializers.CharField(source="consent_page_url")
    certificate_url = serializers.CharField(source="consent_certificate_url")


class LeadDetailSerializer(serializers.ModelSerializer):
    """Every field as stored, personal data included: for the lead's supplier
    (and, later, for a buyer who bought it)."""

    segment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    consent = ConsentSerializer(source="*", read_only=True)
    price = MoneyField(source="price_cents")
    cpa_price = MoneyField(source="cpa_price_cents", allow_null=True)
    currency = CurrencyField()
    sales_remaining = serializers.IntegerField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "external_id",
            "status",
            "rejection_reasons",
            "segment",
            "first_name",
            "last_name",
            "phone",
            "email",
            "country",
            "region",
            "city",
            "postal_code",
            "temperature",
            "source",
            "captured_at",
            "consent",
            "qualification",
            "attributes",
            "price",
            "cpa_price",
            "currency",
            "max_sales",
            "sales_count",
            "sales_remaining",
            "created_at",
        ]
