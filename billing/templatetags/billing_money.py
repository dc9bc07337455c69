"""Money in templates: cents → "12.50"."""

from __future__ import annotations

from django import template

from marketplace.money import currency, format_cents

register = template.Library()


@register.filter
def cents(value: object) -> str:
    """Integer cents → a decimal string; missing → "0.00"."""
    if value is None or value == "":
        return "0.00"
    try:
        return format_cents(int(value))
    except (TypeError, ValueError):
        return ""


@register.filter
def money(value: object) -> str:
    """Integer cents → "12.50 USD" in the platform currency."""
    return f"{cents(value)} {currency()}"
