"""Numbers, money and days formatted for the active language (CLDR data from Babel).

Money stays integer cents everywhere else; these helpers only turn it into
text for people: "1,234.50 USD" in English, "1 234,50 USD" in Russian and
Polish, "1.234,50 USD" in Romanian. The ISO code rather than a symbol keeps
one platform currency unambiguous in every language.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from babel.numbers import format_percent as format_percent_babel
from django.utils import translation

from marketplace.money import currency as platform_currency

_AMOUNT_PATTERN = "#,##0.00"


def current_locale() -> Locale:
    """The Babel locale of the language Django is answering in (English if unknown)."""
    code = translation.to_locale(translation.get_language() or "en")
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_amount(cents: int) -> str:
    """Integer cents → "1,234.50" with the locale's separators. Exact: no float."""
    return format_decimal(
        Decimal(int(cents)) / 100, format=_AMOUNT_PATTERN, locale=current_locale()
    )


def format_money(cents: int, currency: str | None = None) -> str:
    """Integer cents → "1,234.50 USD" (the platform currency unless given)."""
    return f"{format_amount(cents)} {currency or platform_currency()}"


def format_number(value: int | float | Decimal, *, decimals: int = 0) -> str:
    """A count or a ratio with grouping and the locale's decimal mark."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=current_locale())


def format_percent(value: int | float | Decimal) -> str:
    """12.5 → "12.5%" ("12,5 %" in Russian): the value is already a percentage."""
    locale = current_locale()
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.#", 1)
    return format_percent_babel(Decimal(str(value)) / 100, format=pattern, locale=locale)


def format_day(day: date) -> str:
    """A short day for chart axes: "Dec 3", "3 дек.", "3 dec.", "3 gru"."""
    return format_skeleton("MMMd", day, locale=current_locale())
