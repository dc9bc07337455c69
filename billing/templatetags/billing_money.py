"""Money in billing templates: cents → "1,234.50", formatted for the active language."""

from __future__ import annotations

from django import template

from marketplace.templatetags.l10n_money import amount, money

register = template.Library()
register.filter("cents", amount)
register.filter("money", money)
