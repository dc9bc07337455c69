"""Stripe top-ups and the Stripe events received (webhooks, reconciliation).

A ``TopUp`` is written (and committed) before Stripe is called, so its id can be
the Checkout Session's ``client_reference_id``, its metadata and the Stripe
idempotency key. The wallet is credited only by ``billing.services.topups``
from a verified Stripe object, keyed ``topup:<id>`` in the ledger, so the
webhook, a second event type for the same payment and reconciliation can never
credit twice.

A ``StripeEvent`` is one event id seen at the webhook: the unique id makes a
replay or a concurrent duplicate a no-op.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id
from marketplace.models import Organization

__all__ = ["StripeEvent", "StripeEventStatus", "TopUp", "TopUpStatus"]


class TopUpStatus(models.TextChoices):
    CREATED = "created", _("Waiting for payment")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")


class TopUp(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="topups")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=16, choices=TopUpStatus.choices, default=TopUpStatus.CREATED
    )
    # NULL until Stripe answers; unique so one session can only ever settle one top-up.
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True, default="")
    payment_intent_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="billing_topup_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"Top-up {self.pk} · {self.amount_cents} {self.currency} · {self.status}"

    @property
    def is_credited(self) -> bool:
        return self.paid_at is not None


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"


class StripeEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=StripeEventStatus.choices, default=StripeEventStatus.RECEIVED
    )
    error = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.stripe_id} · {self.type} · {self.status}"
