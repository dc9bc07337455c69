"""An owner invites a colleague who joins from the email; a supplier requests a payout of
its payable earnings and downloads the month's statement."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from billing.models import AccountKind, Payout, PayoutStatus
from billing.selectors import wallet_balances
from billing.services.wallets import adjustment_post
from marketplace.models import Membership
from marketplace.services.organizations import user_create
from tests.browser.helpers import PASSWORD, last_mail_link, sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_invites_a_colleague_who_joins_from_the_email(page, supplier_a):
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/organization/")
    page.get_by_label("Email address").fill("colleague@agency.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text("colleague@agency.example")
    assert mail.outbox[-1].to == ["colleague@agency.example"]

    colleague = user_create(email="colleague@agency.example", password=PASSWORD)
    page.context.clear_cookies()
    sign_in_as(page, colleague)
    page.goto(page.base + last_mail_link("/invitations/"))
    page.get_by_role("button", name=re.compile("Join|Accept")).click()

    expect(page.locator(".messages")).to_contain_text("Welcome to Supplier A")
    assert Membership.objects.filter(
        organization=supplier_a.organization, user=colleague, role="member"
    ).exists()


def test_supplier_requests_a_payout_and_downloads_its_statement(page, supplier_a, tmp_path):
    adjustment_post(
        organization=supplier_a.organization,
        amount_cents=80_00,
        reason="earnings released",
        account_kind=AccountKind.SUPPLIER_PAYABLE,
    )
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts").click()
    page.get_by_label("Amount").fill("50.00")
    page.get_by_role("button", name="Request payout").click()

    expect(page.locator(".messages")).to_contain_text("Payout of 50.00 USD requested")
    payout = Payout.objects.get(organization=supplier_a.organization)
    assert (payout.amount_cents, payout.status) == (50_00, PayoutStatus.REQUESTED)
    assert wallet_balances(organization=supplier_a.organization).payable_cents == 30_00

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statements").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^CSV")).first.click()
    saved = tmp_path / "statement.csv"
    download_info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "80.00" in text
    assert "-50.00" in text
