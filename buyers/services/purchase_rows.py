"""The rows a purchase writes about its sale: built once, for both paths.

The general path (``purchases.purchase_create``) stores them with ``rows_insert``;
the one-round-trip path (``purchase_quick``) hands their column values to the
purchase's SQL function. Same values, identical rows: the event is its field
values (``event_values``), an instance only for the general path (``event()``),
the column values straight from them for the quick one (``model_row_values``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.commission import commission_percent_resolve
from buyers.services.access import personal_data_access_rows
from marketplace.models import (
    ApiKey,
    BillingModel,
    Lead,
    Organization,
    PersonalDataAccess,
    Sale,
    SaleEvent,
    SaleStatus,
)
from marketplace.money import currency
from marketplace.pricing import ListedPrice


@dataclass(frozen=True)
class Caller:
    """When and by whom a purchase is made, and whether its answer shows the lead
    (``reveal``: an ``AccessChannel``, logged as a reveal of personal data)."""

    now: datetime
    user: object = None
    api_key: ApiKey | None = None
    reveal: str | None = None


@dataclass(frozen=True)
class PurchaseRows:
    sale: Sale
    event_values: dict[str, object]
    reveals: list[PersonalDataAccess]

    def event(self) -> SaleEvent:
        return SaleEvent(**self.event_values)


def purchase_rows(
    *,
    buyer: Organization,
    lead: Lead,
    model: str,
    listed: ListedPrice,
    caller: Caller,
) -> PurchaseRows:
    """The sale with the segment's rules stamped on it, its "purchased" event and
    (with ``reveal``) the access-log row of showing the lead in the answer."""
    segment, now, api_key = lead.segment, caller.now, caller.api_key
    price = listed.price_cents if model == BillingModel.CPL else listed.cpa_price_cents
    sale = Sale(
        lead=lead,
        buyer=buyer,
        supplier_id=lead.supplier_id,
        segment=segment,
        phone_index=lead.phone_index,
        email_index=lead.email_index,
        lead_shared=lead.max_sales > 1,
        billing_model=model,
        price_cents=price,
        currency=currency(),
        commission_percent=commission_percent_resolve(segment.commission_percent),
        status=SaleStatus.DELIVERED if model == BillingModel.CPL else SaleStatus.PENDING_ACTION,
        purchased_at=now,
        return_deadline=now + timedelta(hours=segment.return_window_hours),
        action_deadline=(
            now + timedelta(days=segment.action_window_days) if model == BillingModel.CPA else None
        ),
    )
    event = {
        "sale": sale,
        "kind": "purchased",
        "to_status": sale.status,
        "data": {
            "billing_model": model,
            "price_cents": price,
            "discount_percent": listed.discount_percent,
            "api_key": str(api_key.pk) if api_key else None,
        },
        "actor": caller.user,
        "created_at": now,
    }
    reveals = (
        personal_data_access_rows(
            buyer=buyer, sales=[sale], channel=caller.reveal, user=caller.user, api_key=api_key
        )
        if caller.reveal
        else []
    )
    return PurchaseRows(sale=sale, event_values=event, reveals=reveals)
