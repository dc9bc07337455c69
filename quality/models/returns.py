"""Returns of bad leads, their evidence and disputes.

A return moves: requested → accepted (an objective check confirmed it, the
supplier accepted, or ``respond_by`` passed) or requested → disputed (the
supplier contested, or the buyer is over its return cap) → refunded or
rejected (a moderator decided). Accepted and refunded returns reverse the
sale's money. Every transition is a ``ReturnEvent`` row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id
from marketplace.models import Organization, Sale, Segment


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    DISPUTED = "disputed", _("Disputed")
    REFUNDED = "refunded", _("Refunded")


OPEN_RETURN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.DISPUTED)
REVERSED_RETURN_STATUSES = (ReturnStatus.ACCEPTED, ReturnStatus.REFUNDED)


class DecidedBy(models.TextChoices):
    CHECK = "check", _("Automatic check")
    SUPPLIER = "supplier", _("Supplier")
    TIMEOUT = "timeout", _("No answer in time")
    MODERATOR = "moderator", _("Moderator")


class Return(models.Model):
    """A buyer's request to give back one bought lead."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="returns")
    # Copied from the sale: the supplier's and the buyer's lists and rates are one index scan.
    buyer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="returns_made")
    supplier = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="returns_received"
    )
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=50)
    comment = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    respond_by = models.DateTimeField()
    check_result = models.JSONField(
        default=dict, blank=True, help_text="What the automatic check of an objective reason found."
    )
    supplier_comment = models.TextField(blank=True, default="")
    decided_by = models.CharField(max_length=16, choices=DecidedBy.choices, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sale"],
                condition=models.Q(status__in=["requested", "disputed"]),
                name="return_one_open_per_sale",
            )
        ]
        indexes = [
            models.Index(fields=["supplier", "-created_at", "-id"], name="return_supplier_recent"),
            models.Index(fields=["buyer", "-created_at", "-id"], name="return_buyer_recent"),
            models.Index(
                fields=["respond_by"],
                name="return_awaiting_answer",
                condition=models.Q(status="requested"),
            ),
            models.Index(fields=["updated_at"], name="return_recently_changed"),
        ]

    def __str__(self) -> str:
        return f"Return {self.id} ({self.reason}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RETURN_STATUSES


class ReturnEvent(models.Model):
    """A transition of a return, as a row."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, help_text="requested, accepted, contested, ...")
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, blank=True, default="")
    note = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on return {self.ret_id}"


class EvidenceParty(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SUPPLIER = "supplier", _("Supplier")


class Evidence(models.Model):
    """A note (a call log) and/or a file one side attached to a return."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="evidence")
    party = models.CharField(max_length=8, choices=EvidenceParty.choices)
    note = models.TextField(blank=True, default="")
    file = models.FileField(upload_to="evidence/%Y/%m/", blank=True, default="")
    file_name = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    size_bytes = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.party} evidence on return {self.ret_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class DisputeCause(models.TextChoices):
    CONTESTED = "contested", _("The supplier contested the return")
    RETURN_CAP = "return_cap", _("The buyer is over its monthly return cap")
    BUYER_RECORD = "buyer_record", _("The buyer's return record needs a moderator")


class DisputeDecision(models.TextChoices):
    REFUND = "refund", _("Refund the buyer")
    REJECT = "reject", _("Reject the return")


class Dispute(models.Model):
    """A return a moderator decides: contested by the supplier, over the buyer's cap,
    or unanswered from a buyer whose record asks for a moderator."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    ret = models.OneToOneField(Return, on_delete=models.PROTECT, related_name="dispute")
    status = models.CharField(
        max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    cause = models.CharField(max_length=16, choices=DisputeCause.choices)
    grounds = models.JSONField(
        default=dict, blank=True, help_text="The figures behind the cause (the buyer's record)."
    )
    decision = models.CharField(
        max_length=8, choices=DisputeDecision.choices, blank=True, default=""
    )
    note = models.TextField(blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="dispute_queue")]

    def __str__(self) -> str:
        return f"Dispute {self.id} ({self.status})"
