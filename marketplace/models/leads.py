from __future__ import annotations

from django.db import models
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.crypto import EncryptedTextField
from marketplace.ids import new_id
from marketplace.models.organizations import Organization
from marketplace.models.segments import Segment


class LeadStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    HELD = "held", _("Held for review")
    SOLD_OUT = "sold_out", _("Sold out")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected")


class Temperature(models.TextChoices):
    COLD = "cold", _("Cold")
    WARM = "warm", _("Warm")
    HOT = "hot", _("Hot")


class LeadSource(models.TextChoices):
    LANDING_PAGE = "landing_page", _("Landing page")
    CALL = "call", _("Call")
    SOCIAL = "social", _("Social")
    EMAIL = "email", _("Email")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event")
    PARTNER = "partner", _("Partner")


class RejectionReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate: the same person is already in this segment")
    SUPPRESSED = "suppressed", _("Suppressed: the person asked not to be contacted")
    NO_CONSENT = "no_consent", _("No consent recorded")


PERSON_KEY_LENGTH = 12


def person_key_field(source: str) -> models.GeneratedField:
    """The first 12 hex digits (48 bits) of a blind index, computed by the database.

    The catalog compares a lead's keys with the keys of the buyer's recent sales: 14
    bytes per index entry instead of 65, and a 48-bit prefix makes a false match (a
    lead hidden from one buyer) about one in 10^8 per lookup; the purchase service
    still checks the full blind indexes."""
    return models.GeneratedField(
        expression=Substr(source, 1, PERSON_KEY_LENGTH),
        output_field=models.CharField(max_length=PERSON_KEY_LENGTH),
        db_persist=True,
    )


# Columns the catalog filters on, carried in its indexes (see Lead.Meta.indexes).
CATALOG_INCLUDE = [
    "segment",
    "supplier",
    "country",
    "region",
    "temperature",
    "price_cents",
    "cpa_price_cents",
    "sales_count",
    "max_sales",
    "phone_key",
    "email_key",
]


class Lead(models.Model):
    """One person's contact data and interest, as a supplier sent it.

    Personal data (names, phone, email, consent IP) is encrypted at rest;
    ``phone_index`` and ``email_index`` are blind indexes for dedup.
    A rejected lead is kept with its reasons for the supplier's statistics.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # lead_supplier_recent and lead_unique_external_id start with the supplier: no
    # index of its own (one entry less per lead written or sold).
    supplier = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="supplied_leads", db_index=False
    )
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="leads")
    external_id = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=LeadStatus.choices)
    rejection_reasons = models.JSONField(default=list, blank=True)
    # Indexed only where set (lead_duplicate_of): nearly every lead has none.
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    first_name = EncryptedTextField()
    last_name = EncryptedTextField(blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")
    email = EncryptedTextField(blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="")
    email_index = models.CharField(max_length=64, blank=True, default="")
    # Short prefixes of the blind indexes, carried in the catalog indexes so the
    # "same person this buyer bought" rule needs no heap read (see person_key_field).
    phone_key = person_key_field("phone_index")
    email_key = person_key_field("email_index")
    # The masked preview buyers see before buying (``marketplace.previews``), computed
    # from the personal fields when the lead is stored: derived data, no secret, so the
    # catalog reads it instead of decrypting three fields per row. Opt-out wipes it too.
    preview = models.JSONField(default=dict, blank=True, editable=False)

    country = models.CharField(max_length=2)
    region = models.CharField(max_length=16, blank=True, default="")
    city = models.CharField(max_length=128, blank=True, default="")
    postal_code = models.CharField(max_length=16, blank=True, default="")
    temperature = models.CharField(
        max_length=8, choices=Temperature.choices, blank=True, default=""
    )
    source = models.CharField(max_length=16, choices=LeadSource.choices, blank=True, default="")
    captured_at = models.DateTimeField(null=True, blank=True)

    consent_text = models.TextField(blank=True, default="")
    consent_captured_at = models.DateTimeField(null=True, blank=True)
    consent_ip = EncryptedTextField(blank=True, default="")
    consent_page_url = models.URLField(max_length=2048, blank=True, default="")
    consent_certificate_url = models.URLField(max_length=2048, blank=True, default="")

    qualification = models.JSONField(default=dict, blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    price_cents = models.BigIntegerField()
    cpa_price_cents = models.BigIntegerField(null=True, blank=True)
    max_sales = models.PositiveSmallIntegerField(default=1)
    sales_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "external_id"], name="lead_unique_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(max_sales__gte=1), name="lead_max_sales_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(sales_count__lte=models.F("max_sales")),
                name="lead_sales_within_max",
            ),
            models.CheckConstraint(
                condition=models.Q(price_cents__gte=0), name="lead_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(cpa_price_cents__isnull=True) | models.Q(cpa_price_cents__gte=0),
                name="lead_cpa_price_not_negative",
            ),
        ]
        indexes = [
            # Dedup look-ups: the same person in a segment among accepted leads.
            models.Index(
                fields=["segment", "phone_index", "created_at"],
                name="lead_dedup_phone",
                condition=~models.Q(status="rejected") & ~models.Q(phone_index=""),
            ),
            models.Index(
                fields=["segment", "email_index", "created_at"],
                name="lead_dedup_email",
                condition=~models.Q(status="rejected") & ~models.Q(email_index=""),
            ),
            models.Index(fields=["supplier", "-created_at", "-id"], name="lead_supplier_recent"),
            models.Index(
                fields=["duplicate_of"],
                name="lead_duplicate_of",
                condition=models.Q(duplicate_of__isnull=False),
            ),
            # The catalog (marketplace/selectors/catalog.py): available leads, newest
            # first, walked backwards from the keyset position. The INCLUDE columns are
            # every plain filter, so the capped count is an index-only scan.
            models.Index(
                fields=["created_at", "id"],
                name="lead_catalog_recent",
                condition=models.Q(status="available"),
                include=CATALOG_INCLUDE,
            ),
            models.Index(
                fields=["segment", "created_at", "id"],
                name="lead_catalog_segment",
                condition=models.Q(status="available"),
                include=[name for name in CATALOG_INCLUDE if name != "segment"],
            ),
            # A region is ~2% of the catalog: walking the whole-catalog index for it
            # would read fifty entries per row shown.
            models.Index(
                fields=["region", "created_at", "id"],
                name="lead_catalog_region",
                condition=models.Q(status="available"),
                include=[name for name in CATALOG_INCLUDE if name != "region"],
            ),
            # A country is ~20% of the catalog: its count walked the whole-catalog index
            # and kept one entry in five (one in eighteen with CPA and a rating).
            models.Index(
                fields=["country", "created_at", "id"],
                name="lead_catalog_country",
                condition=models.Q(status="available"),
                include=[name for name in CATALOG_INCLUDE if name != "country"],
            ),
            # Temperature is a third of a segment or of a time window: the count walked
            # three entries per match past the other indexes (and, with a price ceiling,
            # eight), and without a segment a time window's every entry.
            models.Index(
                fields=["segment", "temperature", "created_at", "id"],
                name="lead_catalog_segment_temp",
                condition=models.Q(status="available"),
                include=[
                    name for name in CATALOG_INCLUDE if name not in ("segment", "temperature")
                ],
            ),
            models.Index(
                fields=["temperature", "created_at", "id"],
                name="lead_catalog_temperature",
                condition=models.Q(status="available"),
                include=[name for name in CATALOG_INCLUDE if name != "temperature"],
            ),
        ]

    def __str__(self) -> str:
        return f"Lead {self.id} ({self.segment_id}, {self.status})"

    @property
    def sales_remaining(self) -> int:
        return max(self.max_sales - self.sales_count, 0)


class Suppression(models.Model):
    """A person who must not be contacted, known only by a blind index."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"

    blind_index = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Suppressed {self.kind} {self.blind_index[:8]}…"


class LeadEvent(models.Model):
    """A change of a lead's status, as a row (who or what moved it, when)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # Indexed by lead_event_lead (lead, created_at) below.
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=32, help_text="expired, ...")
    from_status = models.CharField(max_length=16, choices=LeadStatus.choices)
    to_status = models.CharField(max_length=16, choices=LeadStatus.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["lead", "created_at"], name="lead_event_lead")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.lead_id}"
