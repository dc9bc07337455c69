from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.crypto import UndecryptableValue, encrypted_values_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS "
        "(put the new key first, keep the old ones after it, run this, then drop the old "
        "keys). Safe to run again. Prints the number of values re-encrypted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: object, **options: object) -> None:
        batch_size = int(options["batch_size"])
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            rotated = encrypted_values_rotate(batch_size=batch_size)
        except UndecryptableValue as exc:
            raise CommandError(f"Stopped: {exc} Add the missing key and run again.") from None
        self.stdout.write(str(rotated))
