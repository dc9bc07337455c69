from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def validate_attribute_schema(value: object) -> None:
    if not isinstance(value, dict) or value.get("type") != "object":
        raise ValidationError(
            'The attribute schema must be a JSON schema object with "type": "object".'
        )
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        raise ValidationError(f"Not a valid JSON schema: {exc.message}") from None


def validate_age_discounts(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError("Age discounts must be a list.")
    for item in value:
        if (
            not isinstance(item, dict)
            or set(item) != {"after_hours", "percent"}
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in item.values())
            or item["after_hours"] < 1
            or not 0 < item["percent"] < 100
        ):
            raise ValidationError('Each age discount is {"after_hours": 1.., "percent": 1..99}.')


def validate_return_reasons(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Return reasons must be a non-empty list.")
    codes = set()
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("code"), str)
            or not item.get("label")
        ):
            raise ValidationError('Each return reason needs a "code" and a "label".')
        if item["code"] in codes:
            raise ValidationError(f"Return reason {item['code']!r} appears twice.")
        codes.add(item["code"])


class Segment(models.Model):
    """A vertical (insurance, travel, courses, loans) with its own rules.

    Moderators add and edit segments in the admin, without a deploy.
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    fields = models.JSONField(
        default=dict,
        validators=[validate_attribute_schema],
        help_text="JSON schema of the segment's lead attributes.",
    )
    default_price_cents = models.BigIntegerField(validators=[MinValueValidator(0)])
    default_cpa_price_cents = models.BigIntegerField(validators=[MinValueValidator(0)])
    max_sales_limit = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    return_window_hours = models.PositiveIntegerField(default=72, validators=[MinValueValidator(1)])
    action_window_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    dedup_window_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    return_reasons = models.JSONField(default=list, validators=[validate_return_reasons])
    freshness_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text="A lead older than this leaves the marketplace.",
    )
    age_discounts = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_age_discounts],
        help_text='Listed price falls with age, e.g. [{"after_hours": 72, "percent": 30}].',
    )
    commission_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Platform share of each sale here; empty: PLATFORM_COMMISSION_PERCENT.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_price_cents__gte=0, default_cpa_price_cents__gte=0),
                name="segment_prices_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(max_sales_limit__gte=1), name="segment_max_sales_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def return_reason_codes(self) -> set[str]:
        return {reason["code"] for reason in self.return_reasons}
