"""Pay-per-action: the buyer reports the action (charge), or the window passes (release).

Both are claimed by a conditional UPDATE of the sale's status, so an action
reported at the moment the window closes is either charged or released, never both.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services import cpa_charge, cpa_release
from billing.services.holds import earnings_hold_schedule
from buyers.selectors import buyer_purchase
from marketplace.errors import ApplicationError, Conflict, ValidationFailed
from marketplace.models import (
    BillingModel,
    Organization,
    Outcome,
    Sale,
    SaleEvent,
    SaleStatus,
)

logger = logging.getLogger(__name__)

ACTION_TYPES = ("converted",)
MAX_EXTERNAL_REF = 128
# A reporting system's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)


def _occurred_at(value: datetime | None, *, sale: Sale, now: datetime) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ValidationFailed(
            _("occurred_at needs a time zone."), fields={"occurred_at": [_("Add a time zone.")]}
        )
    if value > now + CLOCK_SKEW:
        raise ValidationFailed(
            _("The action cannot have happened in the future."),
            fields={"occurred_at": [_("Must not be in the future.")]},
        )
    if value < sale.purchased_at - CLOCK_SKEW:
        raise ValidationFailed(
            _("The action cannot have happened before the purchase."),
            fields={"occurred_at": [_("Must not be before the purchase.")]},
        )
    return value


@transaction.atomic
def purchase_action_report(
    *,
    buyer: Organization,
    sale_id: object,
    action_type: object = "converted",
    external_ref: object = "",
    occurred_at: datetime | None = None,
    user=None,
    now: datetime | None = None,
) -> Sale:
    """The buyer reports the agreed action. CPA: inside the action window, the
    reservation is charged; CPL: the conversion is recorded. Twice → 409."""
    if action_type not in ACTION_TYPES:
        raise ValidationFailed(
            _("Unknown action type."), fields={"type": [_("Must be “converted”.")]}
        )
    if external_ref is None:
        external_ref = ""
    if not isinstance(external_ref, str) or len(external_ref) > MAX_EXTERNAL_REF:
        raise ValidationFailed(
            _("external_ref is text of at most %(n)d characters.") % {"n": MAX_EXTERNAL_REF},
            fields={"external_ref": [_("At most %(n)d characters.") % {"n": MAX_EXTERNAL_REF}]},
        )
    sale = buyer_purchase(buyer=buyer, sale_id=sale_id)
    now = now or timezone.now()
    occurred = _occurred_at(occurred_at, sale=sale, now=now)
    changes = {
        "outcome": Outcome.CONVERTED,
        "outcome_updated_at": now,
        "converted_at": occurred,
        "action_reported_at": now,
        "action_occurred_at": occurred,
        "action_external_ref": external_ref.strip(),
    }
    if sale.billing_model == BillingModel.CPA:
        to_status = SaleStatus.ACTION_REPORTED
        claimed = Sale.objects.filter(
            pk=sale.pk, status=SaleStatus.PENDING_ACTION, action_deadline__gt=now
        ).update(status=to_status, **changes)
    else:
        to_status = SaleStatus.DELIVERED
        claimed = Sale.objects.filter(
            pk=sale.pk, status=SaleStatus.DELIVERED, converted_at__isnull=True
        ).update(**changes)
    if not claimed:
        raise Conflict(_("This purchase's action was already reported or its window has closed."))
    SaleEvent.objects.create(
        sale=sale,
        kind="action",
        from_status=sale.status,
        to_status=to_status,
        data={
            "type": action_type,
            "external_ref": changes["action_external_ref"],
            "occurred_at": occurred.isoformat(),
            "from_outcome": sale.outcome,
        },
        actor=user,
        created_at=now,
    )
    if sale.billing_model == BillingModel.CPA and sale.price_cents > 0:
        cpa_charge(
            supplier=sale.supplier, sale_id=sale.pk, commission_percent=sale.commission_percent
        )
        # Earnings wait for the return window; an action reported after it waits no longer.
        earnings_hold_schedule(
            sale_id=sale.pk, supplier=sale.supplier, release_at=max(sale.return_deadline, now)
        )
    sale.refresh_from_db()
    return sale


def _expire_one(*, sale_id: object, now: datetime) -> bool:
    with transaction.atomic():
        claimed = Sale.objects.filter(
            pk=sale_id, status=SaleStatus.PENDING_ACTION, action_deadline__lte=now
        ).update(status=SaleStatus.ACTION_EXPIRED)
        if not claimed:
            return False  # reported just now, or another worker took it
        sale = Sale.objects.only("pk", "price_cents").get(pk=sale_id)
        SaleEvent.objects.create(
            sale=sale,
            kind="action_expired",
            from_status=SaleStatus.PENDING_ACTION,
            to_status=SaleStatus.ACTION_EXPIRED,
        )
        if sale.price_cents > 0:
            cpa_release(sale_id=sale.pk)
    return True


def purchase_actions_expire(*, now: datetime | None = None, batch: int = 500) -> int:
    """Release the reserve of every CPA sale whose action window passed, at most
    ``batch`` per call. Safe to run twice and in several workers at once: each
    sale is claimed by a conditional UPDATE and ``cpa_release`` is idempotent."""
    now = now or timezone.now()
    due = list(
        Sale.objects.filter(status=SaleStatus.PENDING_ACTION, action_deadline__lte=now)
        .order_by("action_deadline")
        .values_list("pk", flat=True)[:batch]
    )
    expired = 0
    for sale_id in due:
        try:
            expired += _expire_one(sale_id=sale_id, now=now)
        except ApplicationError as exc:
            # Rolled back with its claim: logged for a person, tried again next run.
            logger.warning("CPA expiry of sale %s: %s", sale_id, exc.message)
    return expired
