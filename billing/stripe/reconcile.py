"""Reconciliation: credit paid top-ups whose webhook never came (or came broken).

Stripe retries a webhook for up to three days and may give up; our endpoint
may have been down. This lists the Checkout Sessions created in the last
``days`` through the library and hands every one of ours to
``topup_settle`` — the same idempotent path the webhook uses — so a payment
already credited is left alone and a missed one is credited exactly once.
Expired sessions close their top-ups. Called by the ``reconcile_stripe``
command and an hourly beat task; safe to run concurrently with webhooks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from billing.models import TopUpStatus
from billing.services.topups import Outcome, topup_close, topup_settle
from billing.stripe import gateway

logger = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    seen: int = 0
    credited: list[Outcome] = field(default_factory=list)
    already: int = 0
    pending: int = 0
    closed: int = 0
    failed: list[Outcome] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.seen} sessions checked, {len(self.credited)} credited, "
            f"{self.already} already credited, {self.pending} unpaid, {self.closed} expired, "
            f"{len(self.failed)} failed"
        )


def reconcile_stripe(*, days: int | None = None) -> ReconcileReport:
    days = days or settings.STRIPE_RECONCILE_DAYS
    since = int((timezone.now() - timedelta(days=days)).timestamp())
    report = ReconcileReport()
    for session in gateway.checkout_sessions_since(since):
        metadata = session.get("metadata") or {}
        if not metadata.get("topup_id") and not session.get("client_reference_id"):
            continue  # not a top-up of ours (another integration on the account)
        report.seen += 1
        if session.get("payment_status") == "paid":
            outcome = topup_settle(session)
        elif session.get("status") == "expired":
            outcome = topup_close(session, status=TopUpStatus.EXPIRED)
            if outcome.status == "processed" and outcome.message.endswith("marked expired."):
                report.closed += 1
            continue
        else:
            report.pending += 1
            continue
        if outcome.status == "failed":
            logger.warning("Reconciliation: %s", outcome.message)
            report.failed.append(outcome)
        elif outcome.credited:
            logger.info("Reconciliation: %s", outcome.message)
            report.credited.append(outcome)
        elif outcome.status == "processed":
            report.already += 1
    return report
