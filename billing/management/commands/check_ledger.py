from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.selectors import ledger_problems


class Command(BaseCommand):
    help = (
        "Prove the ledger: every transaction has two or more entries summing to zero, cached"
        " balances equal the sums of their entries, no organization account is below zero,"
        " every paid sale has its charge (pay per lead) or reserve (pay per action) taking its"
        " price from its buyer. Exits non-zero with a report otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=100, help="Report at most this many problems of a kind."
        )

    def handle(self, *args: object, **options: object) -> None:
        limit = int(options["limit"])
        if limit < 1:  # a limit of 0 would hide every problem and report OK
            raise CommandError("--limit must be 1 or more.")
        total, problems = ledger_problems(limit=limit)
        if problems:
            for problem in problems:
                self.stdout.write(f"- {problem}")
            raise CommandError(f"ledger FAILED: {len(problems)} problem(s) in {total} transactions")
        self.stdout.write(f"ledger OK: {total} transactions")
