"""Quality's page forms say what is wrong beside the field (or on top of the form, for a
refusal of the whole form), on the page they came from, and store nothing."""

from __future__ import annotations

import pytest

from marketplace.models import Organization
from quality.models import Dispute, OptOutRequest, Return, ReturnStatus, StandingEvent
from quality.services import return_contest, return_request
from quality.services.optout import optout_request
from tests.form_errors import field_error, form_errors
from tests.quality.helpers import sale_make

pytestmark = pytest.mark.django_db


def _requested(buyer, supplier) -> Return:
    return return_request(buyer=buyer, sale_id=sale_make(buyer, supplier).pk, reason="fake")


def test_a_contest_without_a_comment_is_refused_in_its_row(supplier_a, buyer, supplier):
    ret = _requested(buyer, supplier)
    other = _requested(buyer, supplier)

    response = supplier_a.browser().post(
        f"/quality/returns/{ret.pk}/contest/", {"comment": "", "evidence_note": "Called at 9"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in field_error(page, f"comment-{ret.pk}")
    assert f"comment-{other.pk}_errors" not in page  # the other return's form is blank
    assert 'value="Called at 9"' in page  # what was typed stays
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.REQUESTED
    assert not Dispute.objects.exists()


def test_a_contest_of_an_answered_return_says_so_in_its_row(supplier_a, buyer, supplier):
    ret = _requested(buyer, supplier)
    return_contest(supplier=supplier, return_id=ret.pk, comment="First answer")

    response = supplier_a.browser().post(
        f"/quality/returns/{ret.pk}/contest/", {"comment": "Second answer"}
    )

    assert response.status_code == 400
    assert form_errors(response.content.decode())
    assert Return.objects.get(pk=ret.pk).supplier_comment == "First answer"


def test_a_valid_contest_still_goes_to_a_moderator(supplier_a, buyer, supplier):
    ret = _requested(buyer, supplier)

    response = supplier_a.browser().post(
        f"/quality/returns/{ret.pk}/contest/", {"comment": "She asked for a loan"}
    )

    assert (response.status_code, response["Location"]) == (302, "/quality/returns/")
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.DISPUTED


def test_accepting_an_answered_return_says_why_in_the_confirmation(supplier_a, buyer, supplier):
    ret = _requested(buyer, supplier)
    return_contest(supplier=supplier, return_id=ret.pk, comment="She asked for a loan")

    response = supplier_a.browser().post(f"/quality/returns/{ret.pk}/accept/")

    assert response.status_code == 400
    page = response.content.decode()
    assert form_errors(page)
    assert "Accept the return of lead" in page
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.DISPUTED


def _dispute(buyer, supplier) -> Dispute:
    ret = _requested(buyer, supplier)
    return_contest(supplier=supplier, return_id=ret.pk, comment="She asked for a loan")
    return Dispute.objects.get(ret=ret)


def test_a_dispute_decision_without_a_decision_keeps_the_note(moderator, buyer, supplier):
    dispute = _dispute(buyer, supplier)

    response = moderator.browser().post(
        f"/quality/moderation/disputes/{dispute.pk}/resolve/", {"note": "Recording checked"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f'<ul class="errorlist" id="decision-{dispute.pk}_errors">' in page
    assert "This field is required." in page
    assert 'value="Recording checked"' in page
    assert f'id="note-{dispute.pk}"' in page
    dispute.refresh_from_db()
    assert dispute.decision == ""


def test_a_too_long_dispute_note_is_refused_beside_the_note(moderator, buyer, supplier, settings):
    dispute = _dispute(buyer, supplier)
    note = "x" * (settings.QUALITY_RETURN_COMMENT_MAX_CHARS + 1)

    response = moderator.browser().post(
        f"/quality/moderation/disputes/{dispute.pk}/resolve/", {"decision": "refund", "note": note}
    )

    assert response.status_code == 400
    assert "at most" in field_error(response.content.decode(), f"note-{dispute.pk}")
    dispute.refresh_from_db()
    assert dispute.decision == ""


def test_a_standing_action_the_supplier_is_not_in_is_refused_in_the_form(moderator, supplier):
    response = moderator.browser().post(
        f"/quality/moderation/suppliers/{supplier.pk}/action/",
        {"action": "reinstate", "reason": "Paid the fine"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert form_errors(page) == ["This supplier is not suspended."]
    assert 'value="Paid the fine"' in page
    assert not StandingEvent.objects.exists()


def test_an_unknown_standing_action_is_refused_beside_the_field(moderator, supplier):
    response = moderator.browser().post(
        f"/quality/moderation/suppliers/{supplier.pk}/action/", {"action": "ban"}
    )

    assert response.status_code == 400
    assert "valid choice" in field_error(response.content.decode(), "id_action")
    assert not StandingEvent.objects.exists()


def test_a_valid_standing_action_still_applies(moderator, supplier):
    response = moderator.browser().post(
        f"/quality/moderation/suppliers/{supplier.pk}/action/",
        {"action": "suspend", "reason": "Fake leads"},
    )

    assert response.status_code == 302
    assert StandingEvent.objects.filter(organization=supplier).exists()
    assert Organization.objects.get(pk=supplier.pk).suspended_at is not None


def test_processing_a_processed_opt_out_says_so_on_the_queue(moderator):
    optout, _token = optout_request(phone="+48 601 777 666")
    client = moderator.browser()
    assert client.post(f"/quality/moderation/opt-outs/{optout.pk}/process/").status_code == 302

    response = client.post(f"/quality/moderation/opt-outs/{optout.pk}/process/")

    assert response.status_code == 400
    assert "This request was already processed." in form_errors(response.content.decode())
    assert OptOutRequest.objects.get().status == "done"
