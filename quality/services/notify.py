"""Both sides hear of every step of a return, by email, after the commit."""

from __future__ import annotations

from django.db import transaction

from quality.models import ReturnEvent


def return_event_notify(event: ReturnEvent) -> None:
    from quality.tasks import send_return_email

    event_id = str(event.pk)
    transaction.on_commit(lambda: send_return_email.delay(event_id))
