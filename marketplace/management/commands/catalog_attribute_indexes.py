from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from marketplace.services.catalog_indexes import catalog_attribute_indexes_sync


class Command(BaseCommand):
    help = (
        "Build (CONCURRENTLY) the catalog's index for every numeric attribute of every "
        "active segment's schema and drop those no schema declares any more. Runs by itself "
        "after a schema change in the admin and every 15 minutes (beat); safe to run again. "
        "Prints the number of indexes created and dropped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only list the changes")

    def handle(self, *args: object, **options: object) -> None:
        changes = catalog_attribute_indexes_sync(dry_run=bool(options["dry_run"]))
        if changes.busy:
            self.stdout.write("another sync is running; nothing changed by this one")
            return
        for name in changes.dropped:
            self.stdout.write(f"drop {name}")
        for name in changes.created:
            self.stdout.write(f"create {name}")
        self.stdout.write(f"{len(changes.created)} created, {len(changes.dropped)} dropped")
