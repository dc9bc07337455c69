from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.models import AccountKind
from billing.selectors import wallet_balances
from billing.services import adjustment_post
from marketplace.errors import ApplicationError
from marketplace.models import Organization
from marketplace.money import MoneyFormatError, format_cents, parse_amount


def positive_amount(text: str) -> int:
    """parse_amount's rules (no exponents, at most two decimals, not absurdly large), not zero."""
    if text.strip().startswith("-"):
        raise MoneyFormatError("The amount cannot be negative; use --debit to take money out.")
    cents = parse_amount(text)
    if cents == 0:
        raise MoneyFormatError("The amount cannot be zero.")
    return cents


class Command(BaseCommand):
    help = (
        "A moderator's manual adjustment of an organization's available balance, recorded in the"
        " ledger against platform adjustments (--debit takes money out). Prints the new"
        " available balance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organization's id.")
        parser.add_argument(
            "--amount", required=True, help='A positive decimal amount such as "100.00".'
        )
        parser.add_argument(
            "--debit", action="store_true", help="Take the amount out instead (never below zero)."
        )
        parser.add_argument("--reason", required=True, help="Why; shown on the ledger line.")
        parser.add_argument("--by", default="", help="Who asked for it (recorded as the actor).")

    def handle(self, *args: object, **options: object) -> None:
        try:
            amount = positive_amount(str(options["amount"]))
        except MoneyFormatError as exc:
            raise CommandError(f"Bad --amount: {exc}") from None
        try:
            organization = Organization.objects.get(pk=uuid.UUID(str(options["org"]).strip()))
        except (ValueError, Organization.DoesNotExist):
            raise CommandError(f"No organization with id {options['org']!r}.") from None
        try:
            posted = adjustment_post(
                organization=organization,
                amount_cents=-amount if options["debit"] else amount,
                reason=str(options["reason"]),
                actor=str(options["by"] or "manage.py credit_wallet"),
                account_kind=AccountKind.BUYER_AVAILABLE,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Posted {posted.kind} {posted.pk} for {organization.name}.")
        self.stdout.write(format_cents(wallet_balances(organization=organization).available_cents))
