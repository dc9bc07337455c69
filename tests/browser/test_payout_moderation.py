"""A moderator, in a real browser: approves a supplier's payout from the queue, pays it
by bank and records the reference; the supplier sees it paid; the ledger holds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from billing.models import AccountKind, Entry, Payout, PayoutMethod, PayoutStatus
from billing.selectors import ledger_problems, wallet_balances
from billing.services.payouts import payout_request
from billing.services.wallets import adjustment_post
from tests.browser.helpers import sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_moderator_approves_a_payout_and_marks_it_paid(page, supplier_a, moderator, shot):
    # given: 80.00 payable, of which the supplier asked for 50.00
    adjustment_post(
        organization=supplier_a.organization,
        amount_cents=80_00,
        reason="earnings released",
        account_kind=AccountKind.SUPPLIER_PAYABLE,
    )
    payout = payout_request(
        organization=supplier_a.organization, requested_by=supplier_a.user, amount_cents=50_00
    )
    assert wallet_balances(organization=supplier_a.organization).payable_cents == 30_00

    # when: the moderator opens the queue and approves it
    sign_in_as(page, moderator.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts queue").click()
    to_decide = page.locator("section", has=page.get_by_role("heading", name="To decide"))
    row = to_decide.locator("tbody tr", has_text="Supplier A")
    expect(row).to_contain_text("50.00 USD")
    expect(row).to_contain_text("Bank (manual)")
    shot(page, "moderation-payouts")
    row.get_by_role("button", name="Approve Supplier A").click()

    # then: it waits for the bank transfer, nothing paid yet
    expect(page.locator(".messages")).to_contain_text("Payout approved.")
    payout.refresh_from_db()
    assert (payout.status, payout.method) == (PayoutStatus.APPROVED, PayoutMethod.MANUAL)
    assert payout.decided_by == moderator.user
    assert payout.paid_at is None
    waiting = page.get_by_role("heading", name="Approved, not paid yet")
    approved = page.locator("section", has=waiting)
    row = approved.locator("tbody tr", has_text="Supplier A")

    # marking it paid needs the bank's reference: the browser asks for it first
    row.get_by_role("button", name="Mark paid Supplier A").click()
    expect(row.get_by_label("Bank reference")).to_have_js_property("validity.valid", False)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED

    # when: the transfer left the bank
    row.get_by_label("Bank reference").fill("SEPA-2026-12-0007")
    row.get_by_role("button", name="Mark paid Supplier A").click()

    # then: it is paid, with its reference, in the recent list
    expect(page.locator(".messages")).to_contain_text("Payout marked paid.")
    recent = page.locator("section", has=page.get_by_role("heading", name="Recently decided"))
    expect(recent.locator("tbody tr", has_text="Supplier A")).to_contain_text("SEPA-2026-12-0007")
    expect(recent.locator("tbody tr", has_text="Supplier A")).to_contain_text("Paid")
    expect(approved.locator("tbody tr")).to_have_count(0)
    payout.refresh_from_db()
    assert (payout.status, payout.reference) == (PayoutStatus.PAID, "SEPA-2026-12-0007")
    assert payout.paid_at is not None

    # the money moved once: 50.00 from payable to the platform's payouts, and the ledger holds
    assert wallet_balances(organization=supplier_a.organization).payable_cents == 30_00
    moved = Entry.objects.filter(
        transaction__reference_type="payout", transaction__reference_id=str(payout.pk)
    )
    assert sorted(moved.values_list("account__kind", "amount_cents")) == [
        (AccountKind.PLATFORM_PAYOUTS, 50_00),
        (AccountKind.SUPPLIER_PAYABLE, -50_00),
    ]
    assert ledger_problems(limit=10)[1] == []

    # and the supplier sees it paid on its Payouts page
    page.context.clear_cookies()
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/billing/payouts/")
    expect(page.locator("main")).to_contain_text("Paid")
    expect(page.locator("main")).to_contain_text("50.00")
    assert Payout.objects.count() == 1
