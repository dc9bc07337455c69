"""A supplier, in a real browser: answers two returns on its Returns page (accepts one,
contests the other, which becomes a dispute); an owner revokes an API key, which the API
refuses from then on."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from billing.selectors import wallet_balances
from billing.services.wallets import adjustment_post
from buyers.services import purchase_create
from marketplace.models import ApiKey, BillingModel, Lead, SaleStatus
from quality.models import Dispute, DisputeStatus, Return, ReturnStatus
from quality.services.returns import return_request
from tests.browser.helpers import offer, sign_in_as
from tests.factories import lead_payload

pytestmark = pytest.mark.django_db(transaction=True)


def _bought_and_returned(supplier, buyer, external_id: str, phone: str, reason: str) -> Return:
    lead = offer(supplier, external_id=external_id, phone=phone, email=f"{external_id}@example.pl")
    sale = purchase_create(
        buyer=buyer.organization, lead_id=lead.pk, billing_model=BillingModel.CPL, user=buyer.user
    )
    return return_request(
        buyer=buyer.organization, sale_id=sale.pk, reason=reason, comment=f"About {external_id}."
    )


def test_supplier_accepts_one_return_and_contests_another_which_becomes_a_dispute(
    page, supplier_a, buyer_a, moderator, shot
):
    # given: two bought leads, each returned for a reason only the supplier can judge
    adjustment_post(organization=buyer_a.organization, amount_cents=100_00, reason="test funds")
    accepted = _bought_and_returned(
        supplier_a, buyer_a, "ret-accept", "+48 601 100 001", "wrong_person"
    )
    contested = _bought_and_returned(
        supplier_a, buyer_a, "ret-contest", "+48 601 100 002", "wrong_person"
    )
    assert {accepted.status, contested.status} == {ReturnStatus.REQUESTED}
    spent = 100_00 - wallet_balances(organization=buyer_a.organization).available_cents
    assert spent == 2 * 12_50

    # when: the supplier opens its Returns page, each row naming its own lead id
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Returns").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    first = rows.filter(has_text="ret-accept")
    second = rows.filter(has_text="ret-contest")
    expect(first).to_contain_text("From Buyer A")
    shot(page, "supplier-returns")

    # and accepts the first one, after a page that says what it costs
    first.get_by_role("link", name="Accept ret-accept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accept the return of lead ret-accept?"
    )
    expect(page.locator("main")).to_contain_text("Buyer A gets 12.50 USD back")
    assert Return.objects.get(pk=accepted.pk).status == ReturnStatus.REQUESTED
    page.get_by_role("button", name="Accept the return").click()
    expect(page.locator(".messages")).to_contain_text("Return accepted; the buyer is refunded.")
    accepted.refresh_from_db()
    assert accepted.status == ReturnStatus.ACCEPTED
    assert accepted.sale.status == SaleStatus.RETURNED
    assert wallet_balances(organization=buyer_a.organization).available_cents == 100_00 - 12_50
    expect(first.get_by_role("link", name="Accept ret-accept")).to_have_count(0)

    # a contest needs its reason: the browser will not send an empty one
    second.get_by_role("button", name="Contest ret-contest").click()
    expect(second.get_by_label("Why the lead is good")).to_have_js_property("validity.valid", False)
    contested.refresh_from_db()
    assert contested.status == ReturnStatus.REQUESTED

    # and contests the second one with a call log
    second.get_by_label("Why the lead is good").fill("We spoke to her on the phone twice.")
    second.get_by_label("Evidence note").fill("Calls on 20 and 21 November, 4 and 6 minutes.")
    second.get_by_role("button", name="Contest ret-contest").click()

    # then: it becomes a dispute for the moderators, and the money stays where it is
    expect(page.locator(".messages")).to_contain_text("Return contested; a moderator will decide.")
    expect(second).to_contain_text("Disputed")
    contested.refresh_from_db()
    assert contested.status == ReturnStatus.DISPUTED
    assert contested.supplier_comment == "We spoke to her on the phone twice."
    dispute = Dispute.objects.get(ret=contested)
    assert dispute.status == DisputeStatus.OPEN
    assert contested.sale.status == SaleStatus.DELIVERED
    assert wallet_balances(organization=buyer_a.organization).available_cents == 100_00 - 12_50
    assert not Dispute.objects.filter(ret=accepted).exists()

    # and the moderators' queue shows it with the supplier's answer
    page.context.clear_cookies()
    sign_in_as(page, moderator.user)
    page.goto(page.base + "/quality/moderation/disputes/")
    expect(page.locator("main")).to_contain_text("We spoke to her on the phone twice.")


def test_owner_revokes_an_api_key_and_the_api_refuses_it_afterwards(page, live_server, supplier_a):
    # given: a key that works
    raw_key = supplier_a.api_key
    endpoint = live_server.url + "/api/v1/leads/"
    headers = {"Authorization": f"Bearer {raw_key}"}
    assert requests.get(endpoint, headers=headers, timeout=30).status_code == 200

    # when: the owner revokes it, confirming on the second page
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    row = page.locator("table tbody tr", has_text="test")
    expect(row).to_contain_text("Active")
    row.get_by_role("link", name="Revoke test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the key “test”?")
    key = ApiKey.objects.get(organization=supplier_a.organization)
    assert key.revoked_at is None  # the link only asks
    page.get_by_role("button", name="Revoke key").click()

    # then: the list says so, the row is stored revoked, and the API answers 401
    expect(page.locator(".messages")).to_contain_text("The key “test” is revoked.")
    expect(page.locator("table tbody tr", has_text="test")).to_contain_text("Revoked")
    expect(page.get_by_role("link", name="Revoke test")).to_have_count(0)
    key.refresh_from_db()
    assert key.revoked_at is not None
    refused = requests.post(endpoint, json=lead_payload(), headers=headers, timeout=30)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"]
    assert not Lead.objects.exists()
