"""Small steps the browser journeys share."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from marketplace.models import Lead
from suppliers.services import lead_submit
from tests.factories import lead_payload

PASSWORD = "correct-horse-battery"


def sign_in_as(page, user) -> None:
    """Give the browser a signed-in session for ``user`` (the sign-in form has its own test)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}]
    )


def offer(supplier, **overrides: object) -> Lead:
    """A lead the ``supplier`` actor puts on sale (``lead_payload`` with ``overrides``)."""
    payload = lead_payload(**overrides)
    lead_submit(supplier=supplier.organization, payload=payload)
    return Lead.objects.get(supplier=supplier.organization, external_id=payload["external_id"])


def last_mail_link(path_start: str) -> str:
    """The path of the link to ``path_start`` in the newest email of the outbox."""
    assert mail.outbox, "no email was sent"
    for url in re.findall(r"https?://[^\s\"'<>]+", mail.outbox[-1].body):
        path = re.sub(r"^https?://[^/]+", "", url)
        if path.startswith(path_start):
            return path
    raise AssertionError(f"no link to {path_start} in:\n{mail.outbox[-1].body}")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
