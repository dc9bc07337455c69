"""A supplier's standing changes (suspension, holds, released leads), as rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id
from marketplace.models import Organization


class StandingChange(models.TextChoices):
    SUSPENDED = "suspended", _("Suspended")
    REINSTATED = "reinstated", _("Reinstated")
    HOLD_STARTED = "hold_started", _("New leads held for review")
    HOLD_ENDED = "hold_ended", _("New leads no longer held")
    LEADS_RELEASED = "leads_released", _("Held leads released")
    FLAGGED = "flagged", _("Flagged to moderators")


class StandingEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="standing_events"
    )
    kind = models.CharField(max_length=16, choices=StandingChange.choices)
    reason = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="standing_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.kind}"


class SupplierStanding(Organization):
    """The admin's view of a supplier's standing (suspension, holds, rating)."""

    class Meta:
        proxy = True
        verbose_name = _("supplier standing")
        verbose_name_plural = _("supplier standings")
