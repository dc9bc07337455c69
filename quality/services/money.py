"""A returned sale's money, through billing's services only.

Which service depends on what the sale had moved: a CPL sale and a CPA sale
whose action was charged are refunded (buyer paid back in full, commission
reversed, the supplier's pending earnings pay first); a CPA sale still
waiting for its action only releases the reservation; a CPA sale whose window
passed had its reservation released already, so nothing moves.
"""

from __future__ import annotations

from billing.services import cpa_release, sale_refund
from marketplace.models import BillingModel, Sale, SaleStatus


def sale_money_reverse(*, sale: Sale, return_id: object) -> str:
    """Reverse the money of a locked sale; returns what was done (for the event row)."""
    if sale.price_cents == 0:
        return "nothing_charged"
    if sale.billing_model == BillingModel.CPL or sale.status == SaleStatus.ACTION_REPORTED:
        sale_refund(sale_id=sale.pk, return_id=return_id)
        return "refunded"
    if sale.status == SaleStatus.PENDING_ACTION:
        cpa_release(sale_id=sale.pk)
        return "reservation_released"
    return "nothing_charged"
