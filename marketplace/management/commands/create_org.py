from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.errors import ApplicationError
from marketplace.models import OrganizationKind, User
from marketplace.services.organizations import organization_create, user_create


class Command(BaseCommand):
    help = "Create an organization with an owner (created if new). Prints the organization id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=OrganizationKind.values)
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--owner", required=True, help="The owner's email; the user is created if new."
        )
        parser.add_argument(
            "--password", help="Password for a new owner (omit: they reset it by email)."
        )

    def handle(self, *args: object, **options: object) -> None:
        email = str(options["owner"]).strip().lower()
        try:
            owner = User.objects.filter(email__iexact=email).first()
            if owner is None:
                owner = user_create(email=email, password=options["password"])
                self.stdout.write(f"Created user {email}.")
            organization = organization_create(
                name=str(options["name"]), kind=str(options["kind"]), owner=owner
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.fields or ''}".strip()) from None
        self.stdout.write(str(organization.pk))
