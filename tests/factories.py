from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from marketplace.models import MemberRole, Membership, Organization, OrganizationKind, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.SUPPLIER


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.OWNER


def lead_payload(**overrides: object) -> dict:
    """A valid lead as a supplier's system would send it (API.md's example)."""
    payload: dict = {
        "segment": "loans",
        "external_id": "crm-48213",
        "first_name": "Anna",
        "last_name": "Kowalska",
        "phone": "+48 601 234 567",
        "email": "anna.k@example.pl",
        "country": "PL",
        "region": "PL-MZ",
        "city": "Warszawa",
        "postal_code": "00-001",
        "temperature": "hot",
        "source": "landing_page",
        "captured_at": "2026-11-20T10:00:00Z",
        "consent": {
            "text": "I agree to be contacted about loan offers.",
            "captured_at": "2026-11-20T10:00:00Z",
            "ip": "203.0.113.5",
            "page_url": "https://example.pl/loan",
            "certificate_url": None,
        },
        "qualification": {
            "budget": True,
            "authority": True,
            "need": True,
            "timeline": "this_month",
        },
        "attributes": {"amount": 20000, "term_months": 24, "purpose": "car"},
        "price": "12.50",
        "cpa_price": "60.00",
        "max_sales": 1,
    }
    payload.update(overrides)
    return payload


class SaleFactory(factory.django.DjangoModelFactory):
    """A sale row with the terms stamped from its lead (no ledger entries: post the
    charge with billing's services, as the purchase service does)."""

    class Meta:
        model = "marketplace.Sale"

    lead = None  # required: a stored lead
    buyer = None  # required: a buyer organization
    supplier = factory.LazyAttribute(lambda sale: sale.lead.supplier)
    segment = factory.LazyAttribute(lambda sale: sale.lead.segment)
    phone_index = factory.LazyAttribute(lambda sale: sale.lead.phone_index)
    email_index = factory.LazyAttribute(lambda sale: sale.lead.email_index)
    lead_shared = factory.LazyAttribute(lambda sale: sale.lead.max_sales > 1)
    billing_model = "cpl"
    price_cents = factory.LazyAttribute(
        lambda sale: (
            sale.lead.price_cents
            if sale.billing_model == "cpl"
            else (sale.lead.cpa_price_cents or 0)
        )
    )
    currency = "USD"
    commission_percent = 20
    status = factory.LazyAttribute(
        lambda sale: "delivered" if sale.billing_model == "cpl" else "pending_action"
    )
    purchased_at = factory.LazyFunction(timezone.now)
    return_deadline = factory.LazyAttribute(
        lambda sale: sale.purchased_at + timedelta(hours=sale.lead.segment.return_window_hours)
    )
    action_deadline = factory.LazyAttribute(
        lambda sale: (
            sale.purchased_at + timedelta(days=sale.lead.segment.action_window_days)
            if sale.billing_model == "cpa"
            else None
        )
    )


class LeadFactory(factory.django.DjangoModelFactory):
    """An available lead stored directly (not through intake): for catalog and sales tests.
    ``segment`` defaults to the seeded loans segment; blind indexes follow phone and email."""

    class Meta:
        model = "marketplace.Lead"

    supplier = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.SUPPLIER)
    segment = factory.LazyFunction(lambda: _seeded_segment("loans"))
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    status = "available"
    first_name = "Anna"
    last_name = "Kowalska"
    phone = factory.Sequence(lambda n: f"+48601{n % 1_000_000:06d}")
    email = factory.Sequence(lambda n: f"person.{n}@example.pl")
    phone_index = factory.LazyAttribute(
        lambda lead: _blind_index("phone", lead.phone) if lead.phone else ""
    )
    email_index = factory.LazyAttribute(
        lambda lead: _blind_index("email", lead.email) if lead.email else ""
    )
    country = "PL"
    region = "PL-MZ"
    city = "Warszawa"
    # Computed as intake computes it (after the fields above, which it follows).
    preview = factory.LazyAttribute(lambda lead: _preview_of(lead))
    temperature = "hot"
    source = "landing_page"
    consent_text = "I agree to be contacted."
    attributes = factory.LazyFunction(
        lambda: {"amount": 20000, "term_months": 24, "purpose": "car"}
    )
    qualification = factory.LazyFunction(lambda: {"budget": True})
    price_cents = 1250
    cpa_price_cents = 6000
    max_sales = 1
    sales_count = 0
    created_at = factory.LazyFunction(timezone.now)


def _seeded_segment(slug: str):
    from marketplace.models import Segment

    return Segment.objects.get(slug=slug)


def _preview_of(lead) -> dict:
    from marketplace.previews import preview_of

    return preview_of(lead)


def _blind_index(kind: str, value: str) -> str:
    from marketplace.crypto import blind_index

    return blind_index(kind, value)


def seed_segments() -> None:
    """Put back the segments the migration seeds (a transactional test's flush removes them)."""
    import importlib

    from marketplace.models import Segment

    seed = importlib.import_module("marketplace.migrations.0002_seed_segments")
    for data in seed.SEGMENTS:
        Segment.objects.update_or_create(slug=data["slug"], defaults=data)
