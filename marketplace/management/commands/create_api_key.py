from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.errors import ApplicationError
from marketplace.models import Organization, User
from marketplace.services.api_keys import api_key_create, api_key_create_for_moderator


class Command(BaseCommand):
    help = "Create an API key for an organization or a moderator. Prints the key once."

    def add_arguments(self, parser: CommandParser) -> None:
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--org", help="The organization id.")
        owner.add_argument("--moderator", help="The moderator's email.")
        parser.add_argument("--name", default="Created from the command line")

    def handle(self, *args: object, **options: object) -> None:
        name = str(options["name"])
        try:
            if options["org"]:
                try:
                    organization = Organization.objects.get(pk=str(options["org"]).strip())
                except (Organization.DoesNotExist, ValidationError):
                    raise CommandError(f"No organization with id {options['org']}.") from None
                issued = api_key_create(organization=organization, name=name, created_by=None)
            else:
                user = User.objects.filter(email__iexact=str(options["moderator"]).strip()).first()
                if user is None:
                    raise CommandError(f"No user with email {options['moderator']}.")
                issued = api_key_create_for_moderator(moderator=user, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write("Store this key now: it is shown only once.")
        self.stdout.write(issued.raw_key)
