"""Sales: one lead sold to one buyer (the buyer's API calls it a purchase).

A sale stamps the rules in force when it was made (price, commission, return
and action deadlines), so a later edit of the segment never changes an old
sale. Its transitions are rows in ``SaleEvent``; every reveal of the lead's
personal data is a row in ``PersonalDataAccess``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id
from marketplace.models.leads import Lead, person_key_field
from marketplace.models.organizations import ApiKey, Organization
from marketplace.models.segments import Segment


class BillingModel(models.TextChoices):
    CPL = "cpl", _("Pay per lead")
    CPA = "cpa", _("Pay per action")


class SaleStatus(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    PENDING_ACTION = "pending_action", _("Waiting for the action")
    ACTION_REPORTED = "action_reported", _("Action reported")
    ACTION_EXPIRED = "action_expired", _("Action window passed")
    RETURNED = "returned", _("Returned")


class Outcome(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    UNREACHABLE = "unreachable", _("Unreachable")
    REFUSED = "refused", _("Refused")


class Sale(models.Model):
    """One lead sold to one buyer, with the terms stamped at purchase."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # No single-column index on lead, buyer or supplier: sale_one_per_buyer (lead, buyer),
    # sale_buyer_recent_lead and sale_supplier_recent start with them and serve the same
    # look-ups (foreign-key checks included); each index is one more entry per purchase.
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="sales", db_index=False)
    buyer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="purchases", db_index=False
    )
    # Copied from the lead so the buyer's person-dedup and the supplier's
    # statistics are one index scan, without joining leads.
    supplier = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="sales_made", db_index=False
    )
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="sales")
    phone_index = models.CharField(max_length=64, blank=True, default="")
    email_index = models.CharField(max_length=64, blank=True, default="")
    # As Lead.phone_key/email_key: what the catalog matches the buyer's recent people on.
    phone_key = person_key_field("phone_index")
    email_key = person_key_field("email_index")
    # The lead could be sold again (its max_sales, fixed at intake, above 1). Only such a
    # purchase can hide a listed lead from its buyer: an exclusive lead it sells out for
    # good (sales_count never goes down), so the catalog's "bought by me" rule reads
    # these purchases alone, not every purchase of a large buyer.
    lead_shared = models.BooleanField(default=False, db_default=False)

    billing_model = models.CharField(max_length=3, choices=BillingModel.choices)
    price_cents = models.BigIntegerField(help_text="Charged (CPL) or reserved (CPA).")
    currency = models.CharField(max_length=3)
    commission_percent = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=SaleStatus.choices)
    purchased_at = models.DateTimeField(default=timezone.now)
    return_deadline = models.DateTimeField()
    action_deadline = models.DateTimeField(null=True, blank=True)

    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.NEW)
    outcome_reason = models.CharField(max_length=500, blank=True, default="")
    outcome_updated_at = models.DateTimeField(null=True, blank=True)
    action_reported_at = models.DateTimeField(null=True, blank=True)
    action_occurred_at = models.DateTimeField(null=True, blank=True)
    action_external_ref = models.CharField(max_length=128, blank=True, default="")
    converted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "buyer"], name="sale_one_per_buyer"),
            models.CheckConstraint(condition=models.Q(price_cents__gte=0), name="sale_price_ok"),
            models.CheckConstraint(
                condition=models.Q(billing_model="cpl") | models.Q(action_deadline__isnull=False),
                name="sale_cpa_has_action_deadline",
            ),
        ]
        indexes = [
            # A buyer's purchases, newest first (the lead carried along: migration 0014).
            models.Index(
                fields=["buyer", "-purchased_at", "-id"],
                name="sale_buyer_recent_lead",
                include=["lead"],
            ),
            # The catalog's exclusions: a buyer's purchases in a segment since a time (its
            # "bought by me" rule reads the shared ones, its "same person" rule the keys),
            # one range of this index alone, however long the buyer's history.
            models.Index(
                fields=["buyer", "segment", "purchased_at"],
                name="sale_buyer_segment_recent",
                include=["lead", "lead_shared", "phone_key", "email_key"],
            ),
            models.Index(fields=["supplier", "-purchased_at"], name="sale_supplier_recent"),
            # "Never sell this buyer the same person twice in the dedup window."
            models.Index(
                fields=["buyer", "segment", "phone_index", "purchased_at"],
                name="sale_buyer_person_phone",
                condition=~models.Q(phone_index=""),
            ),
            models.Index(
                fields=["buyer", "segment", "email_index", "purchased_at"],
                name="sale_buyer_person_email",
                condition=~models.Q(email_index=""),
            ),
            # The catalog's "same person" anti-joins probe these for each listed row of a
            # page (on the short person keys the catalog indexes carry).
            models.Index(
                fields=["buyer", "segment", "phone_key", "purchased_at"],
                name="sale_buyer_phone_key",
                condition=~models.Q(phone_key=""),
            ),
            models.Index(
                fields=["buyer", "segment", "email_key", "purchased_at"],
                name="sale_buyer_email_key",
                condition=~models.Q(email_key=""),
            ),
            # The beat task that releases CPA reserves whose window passed.
            models.Index(
                fields=["action_deadline"],
                name="sale_cpa_pending_deadline",
                condition=models.Q(status="pending_action"),
            ),
        ]

    def __str__(self) -> str:
        return f"Sale {self.id} ({self.billing_model}, {self.status})"


class SaleEvent(models.Model):
    """A transition or change of a sale, as a row: who did what, when."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, help_text="purchased, outcome, action, expired, ...")
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    # Indexed only where set (a user's deletion finds its events): most events have none.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["actor"], name="saleevent_actor", condition=models.Q(actor__isnull=False)
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.sale_id}"


class AccessChannel(models.TextChoices):
    API = "api", "API"
    WEB = "web", "Web page"
    EXPORT = "export", "Export"


class PersonalDataAccess(models.Model):
    """Each reveal of a lead's personal data: who, when, which lead, how."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # access_lead_recent starts with the lead: no index of its own.
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="accesses", db_index=False
    )
    sale = models.ForeignKey(
        Sale, on_delete=models.CASCADE, null=True, blank=True, related_name="accesses"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # A reveal is made by a user or through an API key, seldom both: each is indexed
    # only where set (the deletion of a user or a key finds its rows).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=8, choices=AccessChannel.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["lead", "-created_at"], name="access_lead_recent"),
            models.Index(
                fields=["user"], name="access_user", condition=models.Q(user__isnull=False)
            ),
            models.Index(
                fields=["api_key"], name="access_api_key", condition=models.Q(api_key__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} reveal of {self.lead_id}"
