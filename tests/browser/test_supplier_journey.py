"""A supplier, in a real browser: sign up → verify the email → create the organization →
create an API key (shown once) → send a lead with it → see it on the dashboard."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from marketplace.models import ApiKey, Lead, Membership, Organization, User
from tests.browser.helpers import PASSWORD, last_mail_link
from tests.factories import lead_payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_supplier_signs_up_verifies_creates_organization_and_key_then_sees_its_lead(
    page, live_server, shot
):
    # given: the home page
    page.goto(page.base + "/")
    shot(page, "home")
    page.get_by_role("link", name="Sign up").first.click()

    # when: they sign up
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("sign up", re.I))
    shot(page, "signup")
    page.get_by_label("Email").fill("owner@agency.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.locator("form").get_by_role("button", name="Sign up").click()

    # then: they must verify the address first
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("verify", re.I))
    user = User.objects.get(email="owner@agency.example")
    assert not user.emailaddress_set.get().verified

    page.goto(page.base + last_mail_link("/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()

    # signed in, and asked for an organization
    expect(page).to_have_url(re.compile(r"/organizations/new/$"))
    assert user.emailaddress_set.get().verified
    page.get_by_label("Organization name").fill("Northwind Leads")
    page.get_by_label("Sell leads (supplier)").check()
    shot(page, "organization-create")
    page.get_by_role("button", name="Create organization").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Leads")
    organization = Organization.objects.get(name="Northwind Leads")
    assert Membership.objects.filter(organization=organization, user=user, role="owner").exists()
    expect(page.get_by_text("You have not sent any leads yet")).to_be_visible()

    # an API key, shown once
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    page.get_by_label("Key name").fill("CRM")
    page.get_by_role("button", name="Create key").click()
    revealed = page.get_by_label("New API key")
    expect(revealed).to_be_visible()
    raw_key = revealed.input_value()
    assert raw_key.startswith("lmk_")
    assert ApiKey.objects.filter(organization=organization, name="CRM").count() == 1
    shot(page, "api-key-created")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    expect(page.get_by_label("New API key")).to_have_count(0)
    assert raw_key not in page.content()

    # the key works: a lead sent through the API shows on the dashboard
    response = requests.post(
        live_server.url + "/api/v1/leads/",
        json=lead_payload(external_id="crm-1"),
        headers={"Authorization": f"Bearer {raw_key}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert Lead.objects.filter(supplier=organization, external_id="crm-1").exists()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Leads you sent")).to_be_visible()
    expect(page.locator("table").get_by_text("crm-1")).to_be_visible()
    expect(page.locator("#supplier-per-day[data-drawn]")).to_have_count(1)
    shot(page, "supplier-dashboard")


def test_form_errors_show_next_to_the_field(page, shot):
    page.goto(page.base + "/accounts/signup/")
    page.get_by_label("Email").fill("someone@agency.example")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("different")
    page.locator("form").get_by_role("button", name="Sign up").click()

    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    described = (password.get_attribute("aria-describedby") or "").split()
    errors = " ".join(page.locator(f"#{i}").inner_text() for i in described if "_errors" in i)
    assert "too short" in errors
    shot(page, "form-errors")
    assert not User.objects.exists()
