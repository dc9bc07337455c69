"""A person, in a real browser, asks Leadmarket to forget them (email route): the public
opt-out page, the confirmation link from the email, the data wiped and suppressed."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from billing.services.wallets import adjustment_post
from buyers.services import purchase_create
from marketplace.crypto import blind_index
from marketplace.models import BillingModel, Lead, SaleEvent, Suppression
from quality.models import OptOutRequest, OptOutStatus
from tests.browser.helpers import last_mail_link, offer

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "anna.k@example.pl"


def test_person_opts_out_by_email_and_their_data_is_wiped(page, supplier_a, buyer_a):
    # given: two leads with the person's email, one of them bought
    bought = offer(supplier_a, external_id="o-1")
    offer(
        supplier_a,
        external_id="o-2",
        segment="travel",
        phone="+48 601 555 444",
        attributes={"destination": "Rome"},
    )
    offer(
        supplier_a,
        external_id="o-3",
        first_name="Jan",
        phone="+48 601 999 888",
        email="jan@example.pl",
    )
    adjustment_post(organization=buyer_a.organization, amount_cents=50_00, reason="test funds")
    sale = purchase_create(
        buyer=buyer_a.organization, lead_id=bought.pk, billing_model=BillingModel.CPL
    )

    # when: the person finds "Remove my data" at the foot of any page, without an account
    page.goto(page.base + "/")
    page.get_by_role("link", name="Remove my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove my data")

    # sending nothing is refused in place, and nothing is recorded
    page.get_by_role("button", name="Ask for removal").click()
    email_field = page.get_by_label("Email address")
    expect(email_field).to_have_attribute("aria-invalid", "true")
    assert not OptOutRequest.objects.exists()

    email_field.fill(EMAIL)
    page.get_by_role("button", name="Ask for removal").click()

    # then: the page says a link is on its way, and it is
    expect(page.get_by_role("heading", level=1)).to_have_text("Request received")
    request = OptOutRequest.objects.get()
    assert request.status == OptOutStatus.AWAITING_CONFIRMATION
    assert mail.outbox[-1].to == [EMAIL]
    assert Lead.objects.get(pk=bought.pk).first_name == "Anna"  # nothing wiped before the click

    # the link asks first (mail scanners follow links), then erases
    link = last_mail_link("/quality/opt-out/confirm/")
    page.goto(page.base + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the removal")
    assert Lead.objects.get(pk=bought.pk).first_name == "Anna"
    page.get_by_role("button", name="Erase my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data is erased")

    # the person's data is gone from both leads; the other person's lead is untouched
    for lead in Lead.objects.filter(external_id__in=["o-1", "o-2"]):
        assert (lead.first_name, lead.last_name, lead.phone, lead.email) == ("", "", "", "")
    kept = Lead.objects.get(external_id="o-3")
    assert (kept.first_name, kept.email) == ("Jan", "jan@example.pl")
    request.refresh_from_db()
    assert (request.status, request.contact, request.leads_wiped) == (OptOutStatus.DONE, "", 2)
    # suppliers cannot send the person again, and the buyer is asked to erase its copy
    assert Suppression.objects.filter(blind_index=blind_index("email", EMAIL)).exists()
    assert SaleEvent.objects.filter(sale=sale, kind="erasure_requested").exists()
    assert any(message.to == [buyer_a.user.email] for message in mail.outbox)

    # the link works once
    page.goto(page.base + link)
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("Confirm"))
