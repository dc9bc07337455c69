"""Every language in a real browser, the switcher, a phone-sized screen and the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import no_horizontal_scroll, sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)

# One page per language: the browser asks for it (Accept-Language) and gets it.
GREETINGS = {
    "en": ("Sign in", "Sign up"),
    "ru": ("Войти", "Регистрация"),
    "ro": ("Autentificare", "Înregistrare"),
    "pl": ("Zaloguj się", "Zarejestruj się"),
}


@pytest.mark.parametrize("language", sorted(GREETINGS))
def test_home_page_answers_in_the_browsers_language(browser, live_server, language, shot):
    context = browser.new_context(locale=language)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")

        expect(page.locator("html")).to_have_attribute("lang", language)
        sign_in, sign_up = GREETINGS[language]
        topbar = page.locator("header.topbar")
        expect(topbar.get_by_role("link", name=sign_in)).to_be_visible()
        expect(topbar.get_by_role("link", name=sign_up)).to_be_visible()
        shot(page, f"home-{language}", full_page=False)
    finally:
        context.close()


def test_language_switcher_changes_the_language_and_remembers_it(page, supplier_a):
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/dashboard/")
    expect(page.get_by_role("heading", name="Leads you sent")).to_be_visible()

    page.locator("summary", has_text="EN").click()
    page.get_by_role("button", name="Polski").click()

    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_role("heading", name="Wysłane leady")).to_be_visible()
    page.goto(page.base + "/organization/api-keys/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")


def test_dashboard_fits_a_phone_screen(browser, live_server, supplier_a, buyer_a, shot):
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.base = live_server.url
    try:
        for actor, name in ((supplier_a, "phone-supplier-dashboard"), (buyer_a, "phone-buyer")):
            context.clear_cookies()
            sign_in_as(page, actor.user)
            page.goto(page.base + "/dashboard/")
            expect(page.get_by_role("navigation", name="Main")).to_be_visible()
            assert no_horizontal_scroll(page), "the page scrolls sideways on a phone"
            shot(page, name)
        page.goto(page.base + "/billing/topups/")
        assert no_horizontal_scroll(page)
        amount = page.get_by_label("Amount")
        box = amount.bounding_box()
        assert box is not None
        assert box["width"] <= PHONE["width"]
    finally:
        context.close()


def test_keyboard_reaches_the_skip_link_first_and_focus_is_visible(page, supplier_a):
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/dashboard/")

    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert "skip-link" in focused
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
