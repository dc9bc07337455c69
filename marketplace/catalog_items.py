"""A catalog row as buyers see it (API and page): facts, listed prices, a masked preview.

Built by hand rather than by a ModelSerializer: a page of 200 rows stays a
few milliseconds, and the fields are exactly those listed here, so no
personal data can slip in through a new model field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from django.utils import timezone

from marketplace.models import Lead
from marketplace.money import currency, format_cents
from marketplace.previews import stored_preview
from marketplace.pricing import lead_listed_price


def _when(value: datetime | None, tz: tzinfo) -> str | None:
    """DRF's ISO 8601 output (``DateTimeField``: in the current time zone, UTC as "Z"),
    with the time zone looked up once per page rather than twice per row."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def supplier_rating(supplier) -> dict | None:
    if supplier.rating_score is None:
        return None
    return {"score": supplier.rating_score, "tier": supplier.rating_tier or None}


def catalog_items(leads: Iterable[Lead], *, now: datetime) -> list[dict]:
    """Every lead of a page as ``catalog_item`` shows it."""
    tz = timezone.get_current_timezone()
    return [catalog_item(lead, now=now, tz=tz) for lead in leads]


def catalog_item(lead: Lead, *, now: datetime, tz: tzinfo | None = None) -> dict:
    """``lead`` (a ``CatalogRow`` of ``catalog_page``, or a ``Lead`` with its segment and
    supplier) at ``now``."""
    tz = tz or timezone.get_current_timezone()
    listed = lead_listed_price(lead=lead, segment=lead.segment, now=now)
    supplier = lead.supplier
    return {
        "id": str(lead.pk),
        "segment": lead.segment.slug,
        "country": lead.country,
        "region": lead.region,
        "city": lead.city,
        "temperature": lead.temperature,
        "source": lead.source,
        "captured_at": _when(lead.captured_at, tz),
        "created_at": _when(lead.created_at, tz),
        "attributes": lead.attributes,
        "qualification": lead.qualification,
        "price": format_cents(listed.price_cents),
        "cpa_price": format_cents(listed.cpa_price_cents),
        "original_price": format_cents(lead.price_cents),
        "original_cpa_price": format_cents(lead.cpa_price_cents),
        "discount_percent": listed.discount_percent,
        "currency": currency(),
        "max_sales": lead.max_sales,
        "sales_count": lead.sales_count,
        "sales_remaining": lead.sales_remaining,
        "sold": {"count": lead.sales_count, "of": lead.max_sales},
        "supplier": {
            "id": str(supplier.pk),
            "name": supplier.name,
            "rating": supplier_rating(supplier),
        },
        "preview": stored_preview(lead.preview),
    }
