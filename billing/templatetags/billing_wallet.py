"""The wallet figures pages outside billing show (dashboards), without importing billing.

{% load billing_wallet %}{% wallet_balances current_organization as wallet %}
{{ wallet.available_cents|money }}
"""

from __future__ import annotations

from django import template

from billing.selectors import WalletBalances
from billing.selectors import wallet_balances as _wallet_balances
from marketplace.models import Organization

register = template.Library()


@register.simple_tag
def wallet_balances(organization: Organization | None) -> WalletBalances:
    if organization is None:
        return WalletBalances()
    return _wallet_balances(organization=organization)
