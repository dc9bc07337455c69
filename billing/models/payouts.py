"""Supplier payouts and the schedule of earnings holds.

A payout's money leaves the supplier's payable balance the moment it is
requested (payable → platform payouts, key ``payout:<id>``), so it can't be
spent or requested twice while a moderator looks at it. A rejection or a
failed transfer posts the reverse (platform payouts → payable, key
``payout:<id>:reverse``). Each status change is a ``PayoutEvent`` row.

``EarningsHold`` is billing's own list of sales whose supplier share waits in
pending until the return window closes; the beat task claims due rows with a
conditional update and calls ``hold_release``. ``EarningsFreeze`` keeps a sale's
share in pending while a return against it is open, whether or not its hold
exists yet (a pay-per-action sale gets its hold only when the action is reported).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id
from marketplace.models import Organization

__all__ = [
    "EarningsFreeze",
    "EarningsHold",
    "Payout",
    "PayoutEvent",
    "PayoutMethod",
    "PayoutStatus",
]


class PayoutStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


OPEN_PAYOUT_STATUSES: tuple[str, ...] = (PayoutStatus.REQUESTED, PayoutStatus.APPROVED)


class PayoutMethod(models.TextChoices):
    MANUAL = "manual", _("Bank transfer (manual)")
    STRIPE_TRANSFER = "stripe_transfer", _("Stripe transfer")


class Payout(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payouts")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.REQUESTED
    )
    method = models.CharField(
        max_length=16,
        choices=PayoutMethod.choices,
        blank=True,
        default="",
        help_text=(
            "Chosen on approval: a Stripe transfer when the supplier has a connected account."
        ),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    stripe_account_id = models.CharField(max_length=255, blank=True, default="")
    stripe_transfer_id = models.CharField(max_length=255, blank=True, default="")
    reference = models.CharField(
        max_length=200, blank=True, default="", help_text="The bank's reference of a manual payout."
    )
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="billing_payout_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="billing_payout_amount_positive"
            ),
            # One open payout per supplier: a second request while one is pending is a 409,
            # also when two requests race.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="billing_payout_one_open_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.pk} · {self.organization_id} · {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PAYOUT_STATUSES


class PayoutEvent(models.Model):
    """One transition of a payout: who, when, from which status to which."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=PayoutStatus.choices)
    actor = models.CharField(max_length=254, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.from_status or '∅'} → {self.to_status}"


class EarningsHold(models.Model):
    """A sale's supplier share, held in pending until ``release_at``."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    sale_id = models.CharField(max_length=64, unique=True)
    supplier = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="earnings_holds"
    )
    amount_cents = models.BigIntegerField()
    release_at = models.DateTimeField()
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="A worker took it; retaken if it stays unreleased."
    )
    released_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["release_at"]
        indexes = [
            models.Index(
                fields=["release_at"],
                condition=models.Q(released_at__isnull=True),
                name="billing_hold_due",
            )
        ]

    def __str__(self) -> str:
        return f"Hold of sale {self.sale_id} until {self.release_at:%Y-%m-%d %H:%M}"


class EarningsFreeze(models.Model):
    """A sale's supplier share may not leave pending: a return against it is open.

    One row per sale; frozen while ``lifted_at`` is empty. Quality freezes and
    lifts it through ``billing.services`` in the transaction that opens or ends
    the return; the hold release skips the sales frozen here.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    sale_id = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=200)
    frozen_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-frozen_at"]

    def __str__(self) -> str:
        state = "lifted" if self.lifted_at else "frozen"
        return f"Earnings of sale {self.sale_id} {state}: {self.reason}"
