"""Opt-out wipes the stored preview too: the masks derive from the person's data."""

from __future__ import annotations

import pytest

from marketplace.models import Lead
from marketplace.previews import EMPTY_PREVIEW
from quality.services.optout import optout_process, optout_request
from suppliers.services import lead_submit
from tests.factories import lead_payload
from tests.quality.helpers import lead_make

pytestmark = pytest.mark.django_db


def test_opt_out_wipes_the_stored_preview_of_every_lead_of_the_person(supplier, moderator):
    # given: two leads of the person (the second a rejected duplicate) and somebody else's
    first = lead_make(supplier, first_name="Zofia", phone="+48 601 777 555")
    payload = lead_payload(external_id="zofia-again", first_name="Zofia", phone="+48601777555")
    second = lead_submit(supplier=supplier, payload=payload).lead
    assert second.status == "rejected"
    other = lead_make(supplier, first_name="Olga", phone="+48 601 777 444")
    assert Lead.objects.get(pk=first.pk).preview["phone"] == "+48 60* *** *55"

    # when
    request, _token = optout_request(phone="+48 601 777 555")
    optout_process(request_id=request.pk, moderator=moderator.user)

    # then
    wiped = Lead.objects.filter(pk__in=[first.pk, second.pk])
    assert [lead.preview for lead in wiped] == [EMPTY_PREVIEW, EMPTY_PREVIEW]
    assert EMPTY_PREVIEW == {"first_name": "", "phone": None, "email": None}
    assert Lead.objects.get(pk=other.pk).preview == {
        "first_name": "O.",
        "phone": "+48 60* *** *44",
        "email": other.preview["email"],
    }
    assert other.preview["email"].endswith("***@example.pl")
