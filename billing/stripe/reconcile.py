"""Reconciliation: apply what Stripe knows and our webhook never heard.

Stripe retries a webhook for up to three days and may give up; our endpoint
may have been down. Each run looks back ``days`` (``STRIPE_RECONCILE_DAYS``)
through the library, in two passes:

1. Checkout Sessions: every one of ours goes to ``topup_settle`` — the same
   idempotent path the webhook uses — so a payment already credited is left
   alone and a missed one is credited exactly once. Expired sessions close
   their top-ups.
2. Events of the types that move money (``EVENT_TYPES``), oldest first, go
   through ``event_receive`` exactly as a delivered webhook does: stored under
   their Stripe id, so an event the webhook already brought (or an earlier run
   listed) is not handled again, and a lost refund or dispute is applied once.

Sessions come first so a refund listed in the same run finds its top-up
credited. Called by the ``reconcile_stripe`` command and an hourly beat task;
safe to run concurrently with webhooks and with itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from billing.models import StripeEvent, StripeEventStatus, TopUpStatus
from billing.services.topups import Outcome, topup_close, topup_settle
from billing.stripe import gateway
from billing.stripe.events import event_problem, event_receive

logger = logging.getLogger(__name__)

EVENT_TYPES = (
    "checkout.session.completed",
    "payment_intent.succeeded",
    "charge.refunded",
    "charge.dispute.created",
)


@dataclass
class ReconcileReport:
    seen: int = 0
    credited: list[Outcome] = field(default_factory=list)
    already: int = 0
    pending: int = 0
    closed: int = 0
    failed: list[Outcome] = field(default_factory=list)
    events_seen: int = 0
    events_handled: list[StripeEvent] = field(default_factory=list)
    events_known: int = 0
    events_failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.seen} sessions checked, {len(self.credited)} credited, "
            f"{self.already} already credited, {self.pending} unpaid, {self.closed} expired, "
            f"{len(self.failed)} failed; {self.events_seen} events checked, "
            f"{len(self.events_handled)} handled, {self.events_known} already received, "
            f"{len(self.events_failed)} failed"
        )


def reconcile_sessions(report: ReconcileReport, *, since: int) -> None:
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


def _created(event: dict) -> tuple[int, str]:
    created = event.get("created")
    return (created if isinstance(created, int) else 0, str(event.get("id")))


def reconcile_events(report: ReconcileReport, *, since: int) -> None:
    events = {}
    for event in gateway.events_since(since, types=EVENT_TYPES):
        events.setdefault(event.get("id"), event)  # an id listed twice is one event
    # Most listed events were delivered long ago: skip those in one query
    # (``event_receive`` still refuses a repeat that arrives meanwhile).
    received = set(
        StripeEvent.objects.filter(
            stripe_id__in=[key for key in events if isinstance(key, str)]
        ).values_list("stripe_id", flat=True)
    )
    for event in sorted(events.values(), key=_created):
        report.events_seen += 1
        if problem := event_problem(event):
            report.events_failed.append(f"{str(event.get('id'))[:80]!r}: {problem}")
            continue
        if event["id"] in received:
            report.events_known += 1
            continue
        row, repeat = event_receive(event)
        if repeat:  # the webhook (or an earlier run) brought it: handled then
            report.events_known += 1
            continue
        logger.info("Reconciliation: Stripe event %s (%s) %s", row.stripe_id, row.type, row.status)
        report.events_handled.append(row)
        if row.status == StripeEventStatus.FAILED:
            report.events_failed.append(f"{row.stripe_id} ({row.type}): {row.error}")


def reconcile_stripe(*, days: int | None = None) -> ReconcileReport:
    days = days or settings.STRIPE_RECONCILE_DAYS
    since = int((timezone.now() - timedelta(days=days)).timestamp())
    report = ReconcileReport()
    reconcile_sessions(report, since=since)
    reconcile_events(report, since=since)
    return report
