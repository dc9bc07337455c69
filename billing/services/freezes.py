"""Earnings frozen while a return is open: a sale's supplier share stays in pending,
whatever its hold's release time, until the return ends.

Quality calls ``earnings_hold_freeze`` in the transaction that opens a return and
``earnings_hold_unfreeze`` in the one that ends it (rejected, or accepted and
refunded: ``sale_refund`` has then taken the share back from pending and the
released hold moves nothing). Billing knows nothing of returns: a freeze is
keyed by the sale and carries the caller's reason.

A pay-per-action sale may be frozen before it has a hold (a return opened
before the action was reported); the hold scheduled later is frozen all the
same, because the release skips every sale with a freeze not lifted.

Both lock the sale's hold row when it exists, as the release does before it
moves money, so a freeze committed while a worker is claiming the hold wins.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from billing.models.payouts import EarningsFreeze, EarningsHold
from billing.services.ledger import require_text, sale_key


def frozen_sale_ids() -> QuerySet:
    """The sales whose earnings may not be released now (a subquery for the release)."""
    return EarningsFreeze.objects.filter(lifted_at__isnull=True).values("sale_id")


def _hold_lock(sale: str) -> EarningsHold | None:
    return EarningsHold.objects.select_for_update().filter(sale_id=sale).first()


@transaction.atomic
def earnings_hold_freeze(
    *, sale_id: object, reason: object, now: datetime | None = None
) -> EarningsFreeze:
    """Keep the sale's share in pending until ``earnings_hold_unfreeze``. Safe to call
    twice (the first reason stays); a lifted freeze is frozen again."""
    sale, _ = sale_key(sale_id, "hold_release")
    reason = require_text(reason, field="reason", max_length=200)
    now = now or timezone.now()
    _hold_lock(sale)
    freeze, created = EarningsFreeze.objects.select_for_update().get_or_create(
        sale_id=sale, defaults={"reason": reason, "frozen_at": now}
    )
    if not created and freeze.lifted_at is not None:
        freeze.reason, freeze.frozen_at, freeze.lifted_at = reason, now, None
        freeze.save(update_fields=["reason", "frozen_at", "lifted_at"])
    return freeze


@transaction.atomic
def earnings_hold_unfreeze(*, sale_id: object, now: datetime | None = None) -> bool:
    """Lift the sale's freeze: its hold is due again at max(release_at, now), so a
    window that closed meanwhile releases on the next run. False: it was not frozen."""
    sale, _ = sale_key(sale_id, "hold_release")
    now = now or timezone.now()
    hold = _hold_lock(sale)
    if not EarningsFreeze.objects.filter(sale_id=sale, lifted_at__isnull=True).update(
        lifted_at=now
    ):
        return False
    if hold is not None and hold.released_at is None:
        EarningsHold.objects.filter(pk=hold.pk).update(
            release_at=Greatest(F("release_at"), Value(now))
        )
    return True
