from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from marketplace.models import User
from marketplace.services.organizations import user_create


class Command(BaseCommand):
    help = "Create a moderator (staff user) or promote an existing user. Prints the user id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="Password for a new moderator.")

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        email = str(options["email"]).strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_create(email=email, password=options["password"], is_staff=True)
            self.stdout.write(f"Created moderator {email}.")
        else:
            user.is_staff = True
            user.is_active = True
            update_fields = ["is_staff", "is_active"]
            if options["password"]:
                user.set_password(str(options["password"]))
                update_fields.append("password")
            user.save(update_fields=update_fields)
            self.stdout.write(f"{email} is now a moderator.")
        self.stdout.write(str(user.pk))
