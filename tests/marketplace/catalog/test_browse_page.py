"""The buyer's marketplace page: filters, results, pagination and the in-place buy button."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from billing.services import adjustment_post
from marketplace.models import Sale

pytestmark = pytest.mark.postgres

PAGE_URL = "/marketplace/"


def test_the_page_lists_leads_with_masked_previews_and_buy_buttons(buyer_a, make_lead):
    lead = make_lead(
        first_name="Zofia",
        last_name="Wiśniewska",
        phone="+48601234567",
        email="zofia.w@example.pl",
        max_sales=3,
        sales_count=1,
        cpa_price_cents=6000,
    )
    cpl_only = make_lead(cpa_price_cents=None)

    response = buyer_a.browser().get(PAGE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Z." in html
    assert "+48 60* *** *67" in html
    assert "z***@example.pl" in html
    assert "Zofia" not in html
    assert "Wiśniewska" not in html
    assert "601234567" not in html
    assert "Acme Leads" in html
    assert "1 of 3" in html
    assert "2 leads" in html
    assert f'hx-post="/api/v1/marketplace/leads/{lead.pk}/purchase/"' in html
    assert html.count(f"/api/v1/marketplace/leads/{cpl_only.pk}/purchase/") == 1  # no CPA button
    assert html.count(f"/api/v1/marketplace/leads/{lead.pk}/purchase/") == 2
    assert 'href="/marketplace/"' in html  # the nav link


def test_the_form_filters_and_the_next_link_pages_by_cursor(buyer_a, make_lead, travel):
    trips = [make_lead(segment=travel, attributes={"destination": "Crete"}) for _ in range(3)]
    make_lead()
    client = buyer_a.browser()

    first = client.get(PAGE_URL, {"segment": "travel", "limit": "2"})

    html = first.content.decode()
    assert str(trips[2].pk) in html
    assert str(trips[1].pk) in html
    assert str(trips[0].pk) not in html
    next_query = re.search(r'href="\?([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    second = client.get(f"{PAGE_URL}?{next_query}").content.decode()
    assert str(trips[0].pk) in second
    assert str(trips[2].pk) not in second
    assert "No older leads" in second


def test_segment_attribute_inputs_appear_for_the_chosen_segment(buyer_a, make_lead):
    make_lead(attributes={"amount": 5000, "purpose": "car"})
    wanted = make_lead(attributes={"amount": 40000, "purpose": "car"})
    response = buyer_a.browser().get(
        PAGE_URL, {"segment": "loans", "attr.amount_min": "10000", "attr.purpose": ""}
    )
    html = response.content.decode()
    assert 'name="attr.amount_min"' in html
    assert 'name="attr.purpose"' in html
    assert "1 lead" in html
    assert str(wanted.pk) in html


def test_bad_filters_show_a_message_not_an_error_page(buyer_a, make_lead):
    make_lead()
    response = buyer_a.browser().get(PAGE_URL, {"max_price": "free", "cursor": "zzz"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid." in html
    assert "max_price" in html
    assert "cursor" in html


def test_suppliers_cannot_open_the_page(supplier_a):
    assert supplier_a.browser().get(PAGE_URL).status_code == 403


def test_the_buy_button_request_buys_through_the_session_with_csrf(buyer_a, make_lead):
    """What htmx sends: a JSON POST with the session cookie and the CSRF header."""
    lead = make_lead(price_cents=1250)
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer_a.user)
    page = client.get(PAGE_URL).content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    url = f"/api/v1/marketplace/leads/{lead.pk}/purchase/"

    without_csrf = client.post(url, {"billing_model": "cpl"}, content_type="application/json")
    assert without_csrf.status_code == 403
    poor = client.post(
        url, {"billing_model": "cpl"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert poor.status_code == 402
    assert poor.json()["error"]["code"] == "insufficient_funds"
    assert not Sale.objects.filter(lead=lead).exists()

    adjustment_post(organization=buyer_a.organization, amount_cents=5_000, reason="Test funds")
    bought = client.post(
        url, {"billing_model": "cpl"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert bought.status_code == 201, bought.content
    assert Sale.objects.filter(lead=lead, buyer=buyer_a.organization).count() == 1
    # Bought: it leaves this buyer's catalog.
    assert str(lead.pk) not in client.get(PAGE_URL).content.decode()
