"""The schedule of earnings holds: a sale's supplier share waits in pending until
its return window closes, then ``holds_release_due`` (a beat task) moves it to
payable through ``hold_release``.

The purchase service calls ``earnings_hold_schedule`` right after
``cpl_charge`` / ``cpa_charge``, in the same database transaction, so a sale
rolled back leaves no hold behind. (A pay-per-lead purchase made in one
statement writes the same hold row through ``billing_sale_post``, built by
``sale_posting.cpl_charge_posting``.)
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import AccountKind, Transaction
from billing.models.payouts import EarningsHold
from billing.services.freezes import frozen_sale_ids
from billing.services.ledger import entry_of, sale_key, sale_transaction
from billing.services.sales import hold_release
from marketplace.errors import ApplicationError, Conflict, ValidationFailed
from marketplace.models import Organization
from marketplace.sql import row_insert_unless_exists

logger = logging.getLogger(__name__)

# A claimed hold not released after this long is taken again (its worker died).
CLAIM_TIMEOUT = timedelta(minutes=10)


def earnings_hold_schedule(
    *,
    sale_id: object,
    supplier: Organization,
    release_at: datetime,
    charge: Transaction | None = None,
) -> EarningsHold:
    """Hold the sale's supplier share until ``release_at``. Safe to call twice.

    ``charge``: the sale's charge the caller just posted, so it is not read again
    (anything else, or None, and it is looked up by the sale's key)."""
    sale, _ = sale_key(sale_id, "hold_release")
    if not isinstance(release_at, datetime) or timezone.is_naive(release_at):
        raise ValidationFailed(
            "release_at is an aware datetime.", fields={"release_at": ["Aware datetime."]}
        )
    if charge is None or charge.idempotency_key != f"sale:{sale}:charge":
        charge = sale_transaction(sale, "charge")
    earned = entry_of(charge, AccountKind.SUPPLIER_PENDING) if charge else None
    if earned is None:
        raise Conflict(f"Sale {sale} has no supplier earnings to hold.")
    if earned.account.organization_id != supplier.pk:
        raise Conflict(f"Sale {sale} earned money for another supplier.")
    hold = EarningsHold(
        sale_id=sale, supplier=supplier, amount_cents=earned.amount_cents, release_at=release_at
    )
    if row_insert_unless_exists(hold):  # ON CONFLICT DO NOTHING: no savepoint
        return hold
    return EarningsHold.objects.get(sale_id=sale)


def _claimable(now: datetime) -> Q:
    """Due, not taken by a live worker, and not frozen by an open return."""
    return (
        Q(released_at__isnull=True, release_at__lte=now)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        & ~Q(sale_id__in=frozen_sale_ids())
    )


def _frozen_meanwhile(pk: object) -> bool:
    """Lock the claimed hold (a freeze locks it too) and look at its freeze again:
    a return opened between the claim and the release keeps the money in pending."""
    hold = EarningsHold.objects.select_for_update().get(pk=pk)
    return frozen_sale_ids().filter(sale_id=hold.sale_id).exists()


def holds_release_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Release every hold whose time has come, at most ``batch`` per call.

    Several workers may run it at once: each hold is claimed by a conditional
    UPDATE (0 rows: another worker has it), and ``hold_release`` is idempotent
    by its key besides. Returns the number of holds this call released.
    """
    now = now or timezone.now()
    candidates = list(
        EarningsHold.objects.filter(_claimable(now))
        .order_by("release_at")
        .values_list("pk", flat=True)[:batch]
    )
    released = 0
    for pk in candidates:
        claimed_at = timezone.now()
        if not EarningsHold.objects.filter(_claimable(now), pk=pk).update(claimed_at=claimed_at):
            continue  # another worker claimed it first
        hold = EarningsHold.objects.get(pk=pk)
        try:
            with transaction.atomic():
                if _frozen_meanwhile(pk):
                    EarningsHold.objects.filter(pk=pk, claimed_at=claimed_at).update(
                        claimed_at=None
                    )
                    continue
                posted = hold_release(sale_id=hold.sale_id)
                outcome = f"released {posted.idempotency_key}" if posted else "nothing to release"
                EarningsHold.objects.filter(pk=pk, claimed_at=claimed_at).update(
                    released_at=timezone.now(), outcome=outcome[:200]
                )
        except ApplicationError as exc:
            # Not retried every 15 minutes forever: recorded for a person to look at.
            logger.warning("hold of sale %s: %s", hold.sale_id, exc.message)
            EarningsHold.objects.filter(pk=pk).update(
                released_at=timezone.now(), outcome=f"error: {exc.message}"[:200]
            )
            continue
        released += 1
    return released
