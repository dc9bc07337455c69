"""Supplier ratings: the latest figure per supplier (and per supplier and
segment), one history row per day, and the runs of the recompute task.
The formula lives in ``quality.services.rating``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from marketplace.ids import new_id
from marketplace.models import Organization, Segment


class RatingFigures(models.Model):
    """What a rating is made of; shared by the latest figure and the daily history."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # Null: the supplier's overall rating across its segments.
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=1)
    leads_sold = models.PositiveIntegerField(default=0)
    return_rate = models.FloatField(default=0)
    dispute_loss_rate = models.FloatField(default=0)
    contact_rate = models.FloatField(default=0)
    conversion_rate = models.FloatField(default=0)
    action_rate = models.FloatField(default=0)
    intake_rejection_rate = models.FloatField(default=0)
    components = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class SupplierRating(RatingFigures):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "segment"],
                condition=models.Q(segment__isnull=False),
                name="rating_one_per_supplier_segment",
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(segment__isnull=True),
                name="rating_one_overall_per_supplier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.score} ({self.tier})"


class RatingHistory(RatingFigures):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    day = models.DateField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "segment", "day"],
                condition=models.Q(segment__isnull=False),
                name="rating_history_daily_segment",
            ),
            models.UniqueConstraint(
                fields=["organization", "day"],
                condition=models.Q(segment__isnull=True),
                name="rating_history_daily_overall",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} on {self.day}: {self.score}"


class RatingRun(models.Model):
    """One pass of the recompute task; the debounced pass starts from the last one's start."""

    class Kind(models.TextChoices):
        CHANGED = "changed", "Suppliers with changes"
        NIGHTLY = "nightly", "Every supplier"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    suppliers = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} run at {self.started_at}"
