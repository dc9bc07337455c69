"""A catalog row as buyers see it (API and page): facts, listed prices, a masked preview.

Built by hand rather than by a ModelSerializer: a page of 200 rows stays a
few milliseconds, and the fields are exactly those listed here, so no
personal data can slip in through a new model field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from json.encoder import encode_basestring

from django.utils import timezone

from marketplace.models import Lead
from marketplace.money import currency, format_cents
from marketplace.previews import stored_preview
from marketplace.pricing import discount_percent_at, discounted_cents, lead_listed_price


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


def _text(value: str | None) -> str:
    # A JSON string as DRF's renderer writes it (ensure_ascii off), or null.
    return "null" if value is None else encode_basestring(value)


def catalog_items_json(rows: Iterable[tuple], *, segments: Mapping, now: datetime) -> str:
    """The JSON array of ``catalog_item`` for the rows of ``catalog_json_page``, written
    directly: the stored JSON (attributes, qualification, the cut preview) goes into the
    text as the database gave it, never decoded, and the rest is the same facts, prices
    and formats as ``catalog_item`` (keys in its order)."""
    tz = timezone.get_current_timezone()
    currency_text = encode_basestring(currency())
    items = []
    for (
        lead_id, segment_id, country, region, city, temperature, source, captured_at,
        created_at, attributes, qualification, price_cents, cpa_price_cents, max_sales,
        sales_count, preview, supplier_id, supplier_name, rating_score, rating_tier,
    ) in rows:  # fmt: skip
        segment = segments[segment_id]
        percent = discount_percent_at(age_discounts=segment.age_discounts, age=now - created_at)
        cpa = None if cpa_price_cents is None else discounted_cents(cpa_price_cents, percent)
        rating = (
            "null"
            if rating_score is None
            else f'{{"score":{int(rating_score)},"tier":{_text(rating_tier or None)}}}'
        )
        items.append(
            f'{{"id":"{lead_id}","segment":{encode_basestring(segment.slug)}'
            f',"country":{_text(country)},"region":{_text(region)},"city":{_text(city)}'
            f',"temperature":{_text(temperature)},"source":{_text(source)}'
            f',"captured_at":{_text(_when(captured_at, tz))}'
            f',"created_at":{_text(_when(created_at, tz))}'
            f',"attributes":{attributes or "null"},"qualification":{qualification or "null"}'
            f',"price":{_text(format_cents(discounted_cents(price_cents, percent)))}'
            f',"cpa_price":{_text(format_cents(cpa))}'
            f',"original_price":{_text(format_cents(price_cents))}'
            f',"original_cpa_price":{_text(format_cents(cpa_price_cents))}'
            f',"discount_percent":{int(percent)},"currency":{currency_text}'
            f',"max_sales":{int(max_sales)},"sales_count":{int(sales_count)}'
            f',"sales_remaining":{max(max_sales - sales_count, 0)}'
            f',"sold":{{"count":{int(sales_count)},"of":{int(max_sales)}}}'
            f',"supplier":{{"id":"{supplier_id}","name":{_text(supplier_name)}'
            f',"rating":{rating}}},"preview":{preview}}}'
        )
    return "[" + ",".join(items) + "]"
