"""A person's request to be forgotten (the public opt-out page)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.crypto import EncryptedTextField
from marketplace.ids import new_id


class OptOutStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for the email link")
    AWAITING_REVIEW = "awaiting_review", _("Waiting for a moderator")
    DONE = "done", _("Done")


class OptOutRequest(models.Model):
    """Known by the blind index of the email or phone; the contact itself is kept
    encrypted only until the request is processed (to mail the link), then wiped."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    contact = EncryptedTextField(blank=True, default="")
    blind_index = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    status = models.CharField(max_length=24, choices=OptOutStatus.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    leads_wiped = models.PositiveIntegerField(default=0)
    buyers_told = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="optout_queue")]

    def __str__(self) -> str:
        return f"Opt-out {self.id} ({self.channel}, {self.status})"
