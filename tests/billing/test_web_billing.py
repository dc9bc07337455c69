"""Billing's pages: a supplier's payouts, the moderators' payout queue and the manual
credit page."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing.models import AccountKind, Transaction, TransactionKind
from billing.models.payouts import Payout, PayoutStatus
from billing.services.payouts import payout_request
from tests.billing.helpers import balances, fund
from tests.billing.payouts.conftest import earn
from tests.form_errors import field_error, form_errors

pytestmark = pytest.mark.django_db

ADJUST = "/billing/moderation/adjustments/"
QUEUE = "/billing/moderation/payouts/"


# --- supplier: payouts page ----------------------------------------------------------


def test_supplier_sees_balances_and_requests_a_payout(supplier_a, buyer_a):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)
    client = supplier_a.browser()

    page = client.get("/billing/payouts/")
    assert page.status_code == 200
    assert "40.00" in page.content.decode()

    response = client.post("/billing/payouts/request/", {"amount": ""})

    assert response.status_code == 302
    assert Payout.objects.get().amount_cents == 4_000
    assert "Requested" in client.get("/billing/payouts/").content.decode()


@pytest.mark.parametrize("amount", ["abc", "-1", "0", "1.001", "1e2", "41.00"])
def test_bad_payout_amounts_show_the_error_in_place(supplier_a, buyer_a, amount):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)

    response = supplier_a.browser().post("/billing/payouts/request/", {"amount": amount})

    assert response.status_code == 400
    assert 'class="field field-invalid"' in response.content.decode() or "form-errors" in (
        response.content.decode()
    )
    assert not Payout.objects.exists()
    assert balances(supplier_a.organization)["payable"] == 4_000


def test_buyers_have_no_payouts_page(buyer_a):
    client = buyer_a.browser()
    assert client.get("/billing/payouts/").status_code == 403
    assert client.post("/billing/payouts/request/", {}).status_code == 403


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "Payouts are for supplier organizations."), ("pl", "Wypłaty są dla organizacji")],
)
def test_the_refusal_of_the_payouts_page_speaks_the_buyers_language(buyer_a, language, says):
    page = buyer_a.browser().get("/billing/payouts/", HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 403
    assert says in page.content.decode()


# --- moderators: payout queue ----------------------------------------------------------


def test_queue_lists_requests_oldest_first_with_balances(
    moderator, supplier_a, supplier_b, buyer_a
):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)
    earn(buyer=buyer_a.organization, supplier=supplier_b.organization, price_cents=2_500)
    payout_request(organization=supplier_a.organization, amount_cents=1_000)
    payout_request(organization=supplier_b.organization)

    body = moderator.browser().get(QUEUE).content.decode()

    assert body.index("Supplier A") < body.index("Supplier B")
    assert "30.00" in body  # supplier A's payable left


def test_queue_approve_then_mark_paid_and_reject_from_the_page(moderator, supplier_a, buyer_a):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)
    payout = payout_request(organization=supplier_a.organization)
    client = moderator.browser()

    assert client.post(f"{QUEUE}{payout.pk}/approve/").status_code == 302
    refused = client.post(f"{QUEUE}{payout.pk}/mark-paid/", {"reference": ""})
    assert refused.status_code == 400
    assert "Enter the bank's reference of the transfer." in field_error(
        refused.content.decode(), f"reference-{payout.pk}"
    )
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED  # no reference, nothing changed
    assert client.post(f"{QUEUE}{payout.pk}/mark-paid/", {"reference": "SEPA-7"}).status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.reference) == (PayoutStatus.PAID, "SEPA-7")

    # a second decision is refused above the queue (the payout left it), nothing changes
    response = client.post(f"{QUEUE}{payout.pk}/reject/", {"reason": "late"})
    assert response.status_code == 400
    assert "not requested" in " ".join(form_errors(response.content.decode()))
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID
    call_command("check_ledger")


def test_queue_reject_returns_money(moderator, supplier_a, buyer_a):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)
    payout = payout_request(organization=supplier_a.organization)

    moderator.browser().post(f"{QUEUE}{payout.pk}/reject/", {"reason": "Duplicate account"})

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REJECTED
    assert payout.note == "Duplicate account"
    assert balances(supplier_a.organization)["payable"] == 4_000
    call_command("check_ledger")


def test_a_too_long_rejection_reason_is_refused_beside_it_and_the_payout_waits(
    moderator, supplier_a, buyer_a
):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)
    payout = payout_request(organization=supplier_a.organization)
    reason = "x" * 501

    response = moderator.browser().post(f"{QUEUE}{payout.pk}/reject/", {"reason": reason})

    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 500 characters" in field_error(page, f"reason-{payout.pk}")
    assert f'value="{reason}"' in page
    payout.refresh_from_db()
    assert (payout.status, payout.note) == (PayoutStatus.REQUESTED, "")


def test_queue_and_decisions_are_staff_only(supplier_a, buyer_a, anonymous):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)
    payout = payout_request(organization=supplier_a.organization)
    for client in (supplier_a.browser(), buyer_a.browser()):
        assert client.get(QUEUE).status_code == 403
        assert client.post(f"{QUEUE}{payout.pk}/approve/").status_code == 403
    assert anonymous.get(QUEUE).status_code == 302
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED


@pytest.mark.parametrize("bad_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_queue_actions_on_unknown_ids_write_nothing(moderator, bad_id):
    response = moderator.browser().post(f"{QUEUE}{bad_id}/approve/")
    assert response.status_code == 400
    assert "No such payout" in " ".join(form_errors(response.content.decode()))
    assert not Payout.objects.exists()


# --- moderators: credit a wallet ---------------------------------------------------------


def test_credit_page_posts_an_adjustment_with_the_moderator_as_actor(moderator, buyer_a):
    client = moderator.browser()
    assert client.get(f"{ADJUST}?organization={buyer_a.organization.pk}").status_code == 200

    response = client.post(
        ADJUST,
        {
            "organization": buyer_a.organization.pk,
            "account_kind": AccountKind.BUYER_AVAILABLE,
            "direction": "credit",
            "amount": "25.00",
            "reason": "Goodwill for a bad batch",
        },
    )

    assert response.status_code == 302
    posted = Transaction.objects.get(kind=TransactionKind.ADJUSTMENT)
    assert posted.actor == "moderator@example.com"
    assert posted.description == "Adjustment: Goodwill for a bad batch"
    assert balances(buyer_a.organization)["available"] == 2_500
    page = client.get(response["Location"]).content.decode()
    assert "Goodwill for a bad batch" in page
    assert "25.00" in page
    call_command("check_ledger")


def test_debit_of_a_suppliers_payable(moderator, supplier_a, buyer_a):
    earn(buyer=buyer_a.organization, supplier=supplier_a.organization, price_cents=5_000)

    moderator.browser().post(
        ADJUST,
        {
            "organization": supplier_a.organization.pk,
            "account_kind": AccountKind.SUPPLIER_PAYABLE,
            "direction": "debit",
            "amount": "10.00",
            "reason": "Chargeback",
        },
    )

    assert balances(supplier_a.organization)["payable"] == 3_000


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.999"}, "amount"),
        ({"amount": "99999999999"}, "amount"),
        ({"reason": ""}, "reason"),
        ({"organization": "not-an-id"}, "organization"),
        ({"direction": "sideways"}, "direction"),
        ({"account_kind": "platform_revenue"}, "account_kind"),
        # more than the wallet holds: the service's refusal, shown on the form
        ({"direction": "debit", "amount": "1000.00"}, None),
        # a buyer has no payable balance: refused by the service
        ({"account_kind": AccountKind.SUPPLIER_PAYABLE}, None),
    ],
)
def test_credit_page_field_errors_in_place_and_nothing_written(moderator, buyer_a, data, field):
    fund(buyer_a.organization, 500)
    before = Transaction.objects.count()
    form = {
        "organization": buyer_a.organization.pk,
        "account_kind": AccountKind.BUYER_AVAILABLE,
        "direction": "credit",
        "amount": "5.00",
        "reason": "Test",
        **data,
    }

    response = moderator.browser().post(ADJUST, form)

    assert response.status_code == 400
    body = response.content.decode()
    if field:
        assert f'id="id_{field}_errors"' in body or f'id="id_{field}_0_errors"' in body, body
    else:
        assert "form-errors" in body or "errorlist" in body
    assert Transaction.objects.count() == before
    assert balances(buyer_a.organization)["available"] == 500


def test_credit_page_is_staff_only(supplier_a, buyer_a, anonymous):
    for client in (supplier_a.browser(), buyer_a.browser()):
        assert client.get(ADJUST).status_code == 403
        response = client.post(
            ADJUST,
            {
                "organization": buyer_a.organization.pk,
                "account_kind": AccountKind.BUYER_AVAILABLE,
                "direction": "credit",
                "amount": "5.00",
                "reason": "Sneaky",
            },
        )
        assert response.status_code == 403
    assert anonymous.get(ADJUST).status_code == 302
    assert not Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).exists()


def test_credit_page_with_a_junk_organization_parameter_still_renders(moderator):
    assert moderator.browser().get(f"{ADJUST}?organization=%00junk").status_code == 200
