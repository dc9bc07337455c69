"""Buyers' background work. Tasks are thin, take ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from buyers.services import purchase_actions_expire

MAX_BATCHES = 20


@shared_task(acks_late=True)
def expire_cpa_actions() -> int:
    """Beat: release the reserve of pay-per-action purchases whose window passed."""
    total = 0
    for _ in range(MAX_BATCHES):
        expired = purchase_actions_expire(batch=500)
        total += expired
        if expired < 500:
            break
    return total
