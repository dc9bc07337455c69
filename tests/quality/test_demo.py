from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from quality.models import Dispute, Return, SupplierRating


@pytest.mark.django_db
def test_seed_demo_adds_a_waiting_return_and_a_dispute_once():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    assert sorted(Return.objects.values_list("status", flat=True)) == ["disputed", "requested"]
    assert Dispute.objects.filter(status="open").count() == 1
    assert SupplierRating.objects.filter(segment__isnull=True).exists()
