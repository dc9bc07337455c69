"""seed_demo gives the demo buyer pay-per-lead and pay-per-action purchases, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from marketplace.management.commands.seed_demo import BUYER
from marketplace.models import Organization, Sale
from tests.buyers.helpers import assert_ledger_balanced, balances

pytestmark = pytest.mark.django_db


def test_demo_buyer_has_cpl_and_cpa_purchases_and_a_second_run_adds_none(capsys):
    call_command("seed_demo")
    buyer = Organization.objects.get(name=BUYER.organization)
    first = sorted(Sale.objects.filter(buyer=buyer).values_list("billing_model", "status"))

    call_command("seed_demo")

    assert first == [("cpa", "pending_action")] * 2 + [("cpl", "delivered")] * 3
    assert Sale.objects.filter(buyer=buyer).count() == 5
    wallet = balances(buyer)
    assert wallet["reserved"] == sum(
        Sale.objects.filter(buyer=buyer, billing_model="cpa").values_list("price_cents", flat=True)
    )
    assert wallet["available"] > 0
    assert "demo purchases made: 5" in capsys.readouterr().out
    assert_ledger_balanced()
