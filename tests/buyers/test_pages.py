"""The buyer's pages: purchases with outcomes and actions, one purchase, the buy button."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buyers.services import purchase_create
from marketplace.models import (
    AccessChannel,
    Outcome,
    PersonalDataAccess,
    Sale,
    SaleStatus,
)
from tests.buyers.helpers import balances, fund, ledger_keys, make_lead
from tests.form_errors import field_error, form_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def cpa_sale(buyer, supplier):
    fund(buyer, 100_00)
    return purchase_create(
        buyer=buyer, lead_id=make_lead(supplier, first_name="Jadwiga").pk, billing_model="cpa"
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_purchases_page_lists_purchases_with_deadlines_and_actions(buyer_a, cpa_sale):
    response = buyer_a.browser().get("/buyers/purchases/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Jadwiga" in page
    assert cpa_sale.lead.phone in page
    assert f"/buyers/purchases/{cpa_sale.pk}/action/" in page
    assert f"/buyers/purchases/{cpa_sale.pk}/outcome/" in page
    assert 'href="/buyers/purchases/"' in page  # the nav link
    assert PersonalDataAccess.objects.filter(channel=AccessChannel.WEB).count() == 1


def test_purchases_page_with_a_bad_filter_still_answers(buyer_a, cpa_sale):
    response = buyer_a.browser().get("/buyers/purchases/?status=<script>&page=x")

    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_detail_page_shows_the_lead_and_logs_the_reveal(buyer_a, cpa_sale):
    response = buyer_a.browser().get(f"/buyers/purchases/{cpa_sale.pk}/")

    assert response.status_code == 200
    assert cpa_sale.lead.email in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.channel, access.user_id, access.sale_id) == (
        AccessChannel.WEB,
        buyer_a.user.pk,
        cpa_sale.pk,
    )


def test_outcome_form_moves_the_outcome(buyer_a, cpa_sale):
    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/outcome/", {"outcome": "contacted"}
    )

    assert response.status_code == 302
    assert Sale.objects.get(pk=cpa_sale.pk).outcome == Outcome.CONTACTED


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"outcome": "refused"}, "outcome_reason", "Required when the outcome is “refused”."),
        ({"outcome": "converted"}, "outcome", "Select a valid choice."),
        ({"outcome": "refused", "outcome_reason": "x" * 501}, "outcome_reason", "at most 500"),
        ({}, "outcome", "This field is required."),
    ],
)
def test_bad_outcome_forms_change_nothing_and_say_why_beside_the_field(
    buyer_a, cpa_sale, data, field, expected
):
    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/outcome/", {**data, "next": "/buyers/purchases/"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert expected in field_error(page, f"{field}-{cpa_sale.pk}")
    assert "Jadwiga" in page  # the purchases list again, not a bare error
    assert not messages_of(response)
    assert Sale.objects.get(pk=cpa_sale.pk).outcome == Outcome.NEW


def test_a_refused_outcome_keeps_what_the_buyer_typed(buyer_a, cpa_sale):
    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/outcome/",
        {"outcome": "refused", "outcome_reason": "x" * 501, "next": "/buyers/purchases/"},
    )

    page = response.content.decode()
    assert f'value="{"x" * 501}"' in page
    assert '<option value="refused" selected>' in page
    # the form posts back to the page it came from, not to itself
    assert 'name="next" value="/buyers/purchases/"' in page


def test_an_outcome_the_purchase_does_not_allow_is_explained_in_its_form(buyer_a, cpa_sale):
    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/outcome/", {"outcome": "qualified"}
    )

    assert response.status_code == 400
    assert "Jadwiga" in response.content.decode()  # the purchase's own page
    assert "qualified" in " ".join(form_errors(response.content.decode())).lower()
    assert Sale.objects.get(pk=cpa_sale.pk).outcome == Outcome.NEW


def test_an_outcome_error_on_the_list_is_in_that_purchases_row_only(
    buyer_a, buyer, supplier, cpa_sale
):
    other = purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")

    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/outcome/?",
        {"outcome": "refused", "next": "/buyers/purchases/?billing_model="},
    )

    page = response.content.decode()
    assert field_error(page, f"outcome_reason-{cpa_sale.pk}")
    assert f"outcome_reason-{other.pk}_errors" not in page
    assert page.count('class="errorlist"') == 1


def test_report_action_button_charges_the_reserve(buyer_a, buyer, cpa_sale):
    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/action/", {"external_ref": "LOAN-7"}
    )

    assert response.status_code == 302
    sale = Sale.objects.get(pk=cpa_sale.pk)
    assert (sale.status, sale.action_external_ref) == (SaleStatus.ACTION_REPORTED, "LOAN-7")
    assert balances(buyer)["reserved"] == 0


def test_purchases_page_asks_for_the_reference_of_the_action(buyer_a, cpa_sale):
    page = buyer_a.browser().get("/buyers/purchases/").content.decode()

    assert f'<label for="external_ref-{cpa_sale.pk}" class="visually-hidden">' in page
    assert f'id="external_ref-{cpa_sale.pk}"' in page


@pytest.mark.parametrize(
    ("reference", "expected"),
    [("x" * 129, "at most 128 characters"), ("LOAN\x00-7", "Null characters are not allowed.")],
)
def test_bad_action_reference_is_refused_beside_the_field_and_nothing_is_charged(
    buyer_a, buyer, cpa_sale, reference, expected
):
    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/action/",
        {"external_ref": reference, "next": f"/buyers/purchases/{cpa_sale.pk}/"},
    )

    assert response.status_code == 400
    assert expected in field_error(response.content.decode(), f"external_ref-{cpa_sale.pk}")
    sale = Sale.objects.get(pk=cpa_sale.pk)
    assert (sale.status, sale.action_external_ref) == (SaleStatus.PENDING_ACTION, "")
    assert balances(buyer)["reserved"] == cpa_sale.price_cents


def test_an_action_after_its_window_is_refused_in_the_form(buyer_a, buyer, cpa_sale):
    Sale.objects.filter(pk=cpa_sale.pk).update(
        action_deadline=cpa_sale.purchased_at - timedelta(seconds=1)
    )

    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/action/",
        {"external_ref": "LOAN-8", "next": "/buyers/purchases/"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert form_errors(page)
    assert 'value="LOAN-8"' in page
    assert Sale.objects.get(pk=cpa_sale.pk).status == SaleStatus.PENDING_ACTION
    assert balances(buyer)["reserved"] == cpa_sale.price_cents


def test_redirects_only_to_this_site(buyer_a, cpa_sale):
    response = buyer_a.browser().post(
        f"/buyers/purchases/{cpa_sale.pk}/outcome/",
        {"outcome": "contacted", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/buyers/purchases/{cpa_sale.pk}/"


def test_buy_button_buys_and_shows_the_purchase(buyer_a, buyer, supplier):
    fund(buyer, 100_00)
    lead = make_lead(supplier)

    response = buyer_a.browser().post(f"/buyers/leads/{lead.pk}/buy/", {"billing_model": "cpl"})

    sale = Sale.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/buyers/purchases/{sale.pk}/"
    assert (sale.lead_id, sale.buyer_id) == (lead.pk, buyer.pk)
    # The purchase itself reveals nothing: the page it leads to logs its own reveal.
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(
    ("funds", "data", "expected"),
    [
        (0, {"billing_model": "cpl"}, "Not enough"),
        (100_00, {"billing_model": "free"}, "valid choice"),
        (100_00, {}, "required"),
    ],
)
def test_buy_button_refusals_are_shown_in_the_buy_form(
    buyer_a, buyer, supplier, funds, data, expected
):
    if funds:
        fund(buyer, funds)
    lead = make_lead(supplier)
    keys = ledger_keys()

    response = buyer_a.browser().post(
        f"/buyers/leads/{lead.pk}/buy/", {**data, "next": "/marketplace/?segment=loans"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    if "billing_model" in data and data["billing_model"] == "cpl":
        assert expected in " ".join(form_errors(page))
        assert '<option value="cpl" selected>' in page
    else:
        assert expected in field_error(page, "id_billing_model")
    assert f'action="/buyers/leads/{lead.pk}/buy/"' in page
    assert 'href="/marketplace/?segment=loans"' in page
    assert not messages_of(response)
    assert not Sale.objects.exists()
    assert ledger_keys() == keys


def test_buy_button_for_an_unknown_lead_is_404(buyer_a):
    response = buyer_a.browser().post("/buyers/leads/nope/buy/", {"billing_model": "cpl"})

    assert response.status_code == 404


def test_suppliers_do_not_get_purchase_pages(supplier_a):
    assert supplier_a.browser().get("/buyers/purchases/").status_code == 403


def test_detail_page_shows_the_history_in_words(buyer_a, cpa_sale):
    browser = buyer_a.browser()
    browser.post(f"/buyers/purchases/{cpa_sale.pk}/outcome/", {"outcome": "contacted"})

    page = browser.get(f"/buyers/purchases/{cpa_sale.pk}/").content.decode()

    assert "Bought" in page
    assert "Outcome changed" in page
    assert "New → Contacted" in page
    assert buyer_a.user.email in page


def test_form_errors_and_the_buy_page_speak_the_buyers_language(buyer_a, buyer, supplier, cpa_sale):
    lead = make_lead(supplier)
    client = buyer_a.browser()

    buy = client.post(
        f"/buyers/leads/{lead.pk}/buy/", {"billing_model": "free"}, HTTP_ACCEPT_LANGUAGE="pl"
    )
    outcome = client.post(
        f"/buyers/purchases/{cpa_sale.pk}/outcome/",
        {"outcome": "refused"},
        HTTP_ACCEPT_LANGUAGE="pl",
    )

    assert "Zakup się nie udał. Nic nie zostało pobrane." in buy.content.decode()
    assert "Wróć do giełdy" in buy.content.decode()
    assert field_error(outcome.content.decode(), f"outcome_reason-{cpa_sale.pk}") == (
        "Wymagane, gdy wynik to „odmowa”."
    )
    assert not Sale.objects.filter(lead=lead).exists()
