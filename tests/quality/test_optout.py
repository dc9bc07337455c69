"""Opt-out: a person's data is wiped, suppressed, and its buyers told; money stays."""

from __future__ import annotations

import re

import pytest

from billing.models import Transaction
from marketplace.crypto import blind_index
from marketplace.models import SaleEvent, Suppression
from quality.models import OptOutRequest
from quality.services.optout import optout_process, optout_request
from suppliers.services import lead_submit
from tests.factories import lead_payload
from tests.quality.helpers import lead_make, sale_make

pytestmark = pytest.mark.django_db


def _person_sold_twice(buyer, supplier, buyer_b_org):
    lead = lead_make(supplier, email="anna.opt@example.pl", max_sales=2)
    first = sale_make(buyer, supplier, lead=lead)
    second = sale_make(buyer_b_org, supplier, lead=lead)
    return lead, first, second


def test_email_opt_out_confirmed_by_link_wipes_suppresses_and_tells_buyers(
    anonymous, buyer_a, buyer_b, buyer, supplier, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.billing.helpers import fund

    fund(buyer_b.organization, 100_00)
    lead, first, second = _person_sold_twice(buyer, supplier, buyer_b.organization)
    ledger_rows = Transaction.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        page = anonymous.post("/quality/opt-out/", {"email": " Anna.Opt@Example.pl "})
    assert page.status_code == 200
    assert [m.to for m in mailoutbox] == [["anna.opt@example.pl"]]
    link = re.search(r"http://testserver(/quality/opt-out/confirm/[^/]+/)", mailoutbox[0].body)
    lead.refresh_from_db()
    assert lead.first_name == "Anna"  # nothing happens before the link is followed

    assert anonymous.get(link.group(1)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = anonymous.post(link.group(1))
    assert done.status_code == 200

    lead.refresh_from_db()
    assert (lead.first_name, lead.last_name, lead.phone, lead.email) == ("", "", "", "")
    assert lead.consent_ip == ""
    assert Suppression.objects.filter(blind_index=lead.email_index, kind="email").exists()
    assert Suppression.objects.filter(blind_index=lead.phone_index, kind="phone").exists()
    events = SaleEvent.objects.filter(kind="erasure_requested")
    assert {e.sale_id for e in events} == {first.pk, second.pk}
    told = sorted(m.to[0] for m in mailoutbox[1:])
    assert told == [buyer_a.user.email, buyer_b.user.email]
    assert str(first.pk) in next(m.body for m in mailoutbox if m.to == [buyer_a.user.email])
    request = OptOutRequest.objects.get()
    assert request.contact == ""
    assert (request.leads_wiped, request.buyers_told) == (1, 2)
    assert Transaction.objects.count() == ledger_rows  # money records kept as they were
    assert anonymous.post(link.group(1)).status_code == 404  # used once


def test_suppressed_person_is_refused_at_intake_afterwards(supplier, moderator):
    lead_make(supplier, phone="+48 601 999 888", email="p.opt@example.pl")
    request, token = optout_request(phone="+48 601 999 888")
    assert token == ""
    optout_process(request_id=request.pk, moderator=moderator.user)

    again = lead_submit(
        supplier=supplier,
        payload=lead_payload(external_id="again", phone="601 999 888", email="other@example.pl"),
    ).lead

    assert again.status == "rejected"
    assert "suppressed" in again.rejection_reasons


def test_phone_opt_out_waits_for_a_moderator(anonymous, moderator, supplier):
    lead = lead_make(supplier, phone="+48 601 777 666")

    response = anonymous.post("/quality/opt-out/", {"phone": "+48 601 777 666"})
    assert response.status_code == 200
    request = OptOutRequest.objects.get()
    assert request.status == "awaiting_review"
    lead.refresh_from_db()
    assert lead.phone == "+48601777666"

    client = moderator.browser()
    assert "+48601777666" in client.get("/quality/moderation/opt-outs/").content.decode()
    client.post(f"/quality/moderation/opt-outs/{request.pk}/process/")
    lead.refresh_from_db()
    assert lead.phone == ""
    assert Suppression.objects.filter(blind_index=blind_index("phone", "+48601777666")).exists()
    client.post(f"/quality/moderation/opt-outs/{request.pk}/process/")  # twice: nothing more
    assert OptOutRequest.objects.get().status == "done"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not an email"},
        {"phone": "601 234 567"},  # no country code
        {"email": "a@example.pl", "phone": "+48 601 234 567"},
        {"email": "x" * 300 + "@example.pl"},
    ],
)
def test_bad_opt_out_input_is_a_form_error(anonymous, body):
    response = anonymous.post("/quality/opt-out/", body)
    assert response.status_code == 400
    assert not OptOutRequest.objects.exists()


def test_bad_confirmation_link_is_404(anonymous):
    assert anonymous.get("/quality/opt-out/confirm/not-a-token/").status_code == 404
    assert anonymous.post("/quality/opt-out/confirm/not-a-token/").status_code == 404


def test_opt_out_requests_are_rate_limited(anonymous):
    statuses = [
        anonymous.post("/quality/opt-out/", {"email": f"p{i}@example.pl"}).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
    assert OptOutRequest.objects.count() == 10


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("pl", "E-mail albo telefon, jedno z nich."),
        ("ru", "Электронная почта или телефон — одно из двух."),
        ("ro", "E-mail sau telefon, unul dintre ele."),
        ("en", "Email or phone, one of them."),
    ],
)
def test_opt_out_form_error_is_in_the_visitors_language(anonymous, language, message):
    response = anonymous.post("/quality/opt-out/", {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "", "phone": ""}, "Podaj swój adres e-mail lub numer telefonu."),
        ({"email": "", "phone": "601 234 567"}, "wpisz numer z kodem kraju (+...)"),
    ],
)
def test_opt_out_service_errors_are_translated(body, message):
    from django.utils import translation

    from marketplace.errors import ApplicationError

    with translation.override("pl"), pytest.raises(ApplicationError) as refused:
        optout_request(**body)
    assert refused.value.message == message
    assert not OptOutRequest.objects.exists()
