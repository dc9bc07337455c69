"""Apply what Stripe's webhook missed: ``manage.py reconcile_stripe [--days 3]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from billing.stripe.gateway import GatewayError
from billing.stripe.reconcile import reconcile_stripe


class Command(BaseCommand):
    help = (
        "List recent Stripe Checkout Sessions and events (payments, refunds, disputes) and "
        "apply whatever the webhook missed, through the same idempotent paths. Prints each "
        "credit and each event handled; the last line is a summary."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="How far back to look (default 3)."
        )

    def handle(self, *args, days: int | None = None, **options) -> None:
        if days is not None and not 1 <= days <= 90:
            raise CommandError("--days must be between 1 and 90.")
        try:
            report = reconcile_stripe(days=days)
        except GatewayError as exc:
            raise CommandError(exc.message) from exc
        for outcome in report.credited:
            self.stdout.write(outcome.message)
        for row in report.events_handled:
            self.stdout.write(f"Stripe event {row.stripe_id} ({row.type}): {row.status}")
        for outcome in report.failed:
            self.stderr.write(f"FAILED: {outcome.message}")
        for problem in report.events_failed:
            self.stderr.write(f"FAILED: Stripe event {problem}")
        self.stdout.write(report.summary())
