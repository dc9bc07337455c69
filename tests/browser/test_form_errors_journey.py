"""A buyer, in a real browser: an outcome the purchase cannot take as given is refused
beside the field that needs fixing, in that purchase's row, and the fix goes through."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from billing.services.wallets import adjustment_post
from buyers.services import purchase_create
from marketplace.models import Outcome, Sale
from tests.browser.helpers import offer, sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_refused_without_a_reason_is_shown_beside_the_reason_then_saved(
    page, supplier_a, buyer_a, shot
):
    # given: two purchases on the buyer's list
    adjustment_post(organization=buyer_a.organization, amount_cents=100_00, reason="test funds")
    sale = purchase_create(
        buyer=buyer_a.organization,
        lead_id=offer(supplier_a, external_id="r-1").pk,
        billing_model="cpl",
    )
    second = offer(
        supplier_a,
        external_id="r-2",
        first_name="Ewa",
        phone="+48 602 345 678",
        email="ewa@example.pl",
    )
    other = purchase_create(buyer=buyer_a.organization, lead_id=second.pk, billing_model="cpl")
    sign_in_as(page, buyer_a.user)
    page.goto(page.base + "/buyers/purchases/")
    row = page.locator("table tbody tr", has_text="Anna Kowalska")

    # when: the buyer saves "refused" without saying why
    row.get_by_label("Outcome").select_option("refused")
    row.get_by_role("button", name="Save").click()

    # then: the same page says so beside the reason, in that row only, the choice kept
    row = page.locator("table tbody tr", has_text="Anna Kowalska")
    reason = row.get_by_label("Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    error = row.locator(f"#outcome_reason-{sale.pk}_errors")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Required when the outcome is “refused”.")
    assert f"outcome_reason-{sale.pk}_errors" in reason.get_attribute("aria-describedby")
    expect(row.get_by_label("Outcome")).to_have_value("refused")
    expect(page.locator(f"#outcome_reason-{other.pk}_errors")).to_have_count(0)
    expect(page.locator(".messages")).to_have_count(0)
    assert Sale.objects.get(pk=sale.pk).outcome == Outcome.NEW
    shot(page, "purchases-field-error")

    # when: the buyer gives the reason
    reason.fill("Already has a loan")
    row.get_by_role("button", name="Save").click()

    # then: saved, the list shows it, no error left
    expect(page.locator(".messages")).to_contain_text("Outcome saved.")
    row = page.locator("table tbody tr", has_text="Anna Kowalska")
    expect(row).to_contain_text("Already has a loan")
    expect(page.locator(".errorlist")).to_have_count(0)
    saved = Sale.objects.get(pk=sale.pk)
    assert (saved.outcome, saved.outcome_reason) == (Outcome.REFUSED, "Already has a loan")
    assert Sale.objects.get(pk=other.pk).outcome == Outcome.NEW
