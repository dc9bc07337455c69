"""Billing's background work. Tasks are thin, take ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from billing.services.holds import holds_release_due
from billing.services.payouts import payout_transfer_retry
from billing.stripe.reconcile import reconcile_stripe


@shared_task(acks_late=True)
def release_due_holds() -> int:
    """Beat: move supplier earnings whose return window closed from pending to payable."""
    return holds_release_due()


@shared_task(acks_late=True)
def retry_payout_transfers() -> int:
    """Beat: ask Stripe again about approved transfers that got no clear answer."""
    return payout_transfer_retry()


@shared_task(acks_late=True)
def reconcile_stripe_topups() -> str:
    """Beat (hourly): apply paid top-ups, refunds and disputes whose webhook never arrived."""
    return reconcile_stripe().summary()
