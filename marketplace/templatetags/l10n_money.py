"""Money, counts and percentages in templates, formatted for the active language.

{% load l10n_money %}
{{ balance_cents|money }}      → "1,234.50 USD" / "1 234,50 USD"
{{ price_cents|amount }}       → "1,234.50" / "1 234,50"
{{ share|percent }}            → "12.5%" / "12,5 %"
"""

from __future__ import annotations

from django import template

from marketplace import l10n

register = template.Library()


def _cents(value: object) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register.filter
def amount(value: object) -> str:
    """Integer cents → a localized decimal; missing → zero; not a number → ""."""
    if value is None or value == "":
        return l10n.format_amount(0)
    cents = _cents(value)
    return "" if cents is None else l10n.format_amount(cents)


@register.filter
def money(value: object, currency: str = "") -> str:
    """Integer cents → a localized amount with the (platform or given) currency."""
    text = amount(value)
    return f"{text} {currency or l10n.platform_currency()}" if text else ""


@register.filter
def percent(value: object) -> str:
    """A percentage (12.5) → "12.5%"; None → "—"."""
    if value is None or value == "":
        return "—"
    try:
        return l10n.format_percent(float(value))
    except (TypeError, ValueError):
        return "—"
