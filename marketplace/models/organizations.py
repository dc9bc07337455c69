from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id


class OrganizationKind(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")
    BUYER = "buyer", _("Buyer")
    BOTH = "both", _("Supplier and buyer")


class Organization(models.Model):
    """A company: sells leads (supplier), buys them (buyer), or both."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OrganizationKind.choices)
    stripe_account_id = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="Stripe Connect account for payouts (acct_...).",
    )
    # The supplier's standing, written only by quality's services and read by the
    # catalog (which lives here and may not import quality): a suspended
    # supplier's leads leave the marketplace; a held one's new leads wait for review.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True, default="")
    holds_new_leads = models.BooleanField(
        default=False, help_text="New leads are held for a moderator's review."
    )
    rating_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Supplier rating 0-100 (quality's latest figure)."
    )
    rating_tier = models.CharField(max_length=1, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_supplier(self) -> bool:
        return self.kind in (OrganizationKind.SUPPLIER, OrganizationKind.BOTH)

    @property
    def is_buyer(self) -> bool:
        return self.kind in (OrganizationKind.BUYER, OrganizationKind.BOTH)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="membership_unique_user_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class Invitation(models.Model):
    """An owner's invitation of a person, by email, to join an organization."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiKey(models.Model):
    """A bearer key acting for one organization, or for one moderator.

    Only a SHA-256 of the key is stored: keys are 256-bit random, so a plain
    hash is enough (no password stretching needed) and look-ups stay O(1).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=16, help_text="The key's first characters, to recognise it."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(organization__isnull=False, moderator__isnull=True)
                    | models.Q(organization__isnull=True, moderator__isnull=False)
                ),
                name="api_key_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ModerationFlag(models.Model):
    """Something about an organization a moderator must look at (a refund its
    wallet could not cover, a poor rating, ...). Any app may raise one; a
    moderator resolves it with a note."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=50, help_text="Machine code, e.g. stripe_refund_uncovered.")
    message = models.TextField()
    reference_type = models.CharField(max_length=50, blank=True, default="")
    reference_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["resolved_at", "-created_at"], name="flag_open_recent")]
        constraints = [
            # One open flag per cause, so a retried task cannot raise it twice.
            models.UniqueConstraint(
                fields=["organization", "code", "reference_type", "reference_id"],
                condition=models.Q(resolved_at__isnull=True),
                name="flag_unique_open_cause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.code}"
