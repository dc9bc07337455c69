"""Both sides hear of each step of a return, after the commit, once."""

from __future__ import annotations

import pytest

from marketplace.errors import ValidationFailed
from quality.models import ReturnEvent
from quality.services import dispute_resolve, return_contest, return_request
from quality.tasks import send_return_email
from tests.quality.helpers import sale_make

pytestmark = pytest.mark.django_db


def test_each_step_mails_both_sides(
    buyer_a, supplier_a, moderator, buyer, supplier, mailoutbox, django_capture_on_commit_callbacks
):
    sale = sale_make(buyer, supplier)
    with django_capture_on_commit_callbacks(execute=True):
        ret = return_request(buyer=buyer, sale_id=sale.pk, reason="fake", comment="Made up")
    assert sorted(m.to[0] for m in mailoutbox) == [buyer_a.user.email, supplier_a.user.email]
    assert all("A return was requested" in m.subject for m in mailoutbox)
    supplier_mail = next(m for m in mailoutbox if m.to == [supplier_a.user.email])
    assert "Accept or contest it" in supplier_mail.body
    assert str(ret.pk) in supplier_mail.body

    with django_capture_on_commit_callbacks(execute=True):
        return_contest(supplier=supplier, return_id=ret.pk, comment="Real")
    with django_capture_on_commit_callbacks(execute=True):
        dispute_resolve(dispute_id=ret.dispute.pk, moderator=moderator.user, decision="reject")

    subjects = [m.subject for m in mailoutbox]
    assert sum("A return is disputed" in s for s in subjects) == 2
    assert sum("return rejected" in s for s in subjects) == 2
    assert len(mailoutbox) == 6


def test_a_retried_email_task_sends_nothing_twice(buyer, supplier, mailoutbox):
    sale = sale_make(buyer, supplier)
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="fake")
    event = ReturnEvent.objects.get(ret=ret, kind="requested")

    assert send_return_email(str(event.pk)) == 2
    assert send_return_email(str(event.pk)) == 0
    assert len(mailoutbox) == 2


def test_nothing_is_mailed_when_the_request_fails(
    buyer, supplier, mailoutbox, django_capture_on_commit_callbacks
):
    sale = sale_make(buyer, supplier)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        return_request(buyer=buyer, sale_id=sale.pk, reason="nope")
    assert mailoutbox == []
