"""The commission rule: half-up to the cent, parts always sum to the price."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from billing.commission import commission_percent_resolve, commission_split
from marketplace.errors import ValidationFailed


@given(price=st.integers(min_value=0, max_value=10**9), percent=st.integers(0, 100))
@example(price=0, percent=0)
@example(price=10**9, percent=100)
@example(price=5, percent=10)
@example(price=1, percent=50)
@example(price=3, percent=50)
def test_parts_sum_to_the_price_and_commission_rounds_half_up(price, percent):
    split = commission_split(price_cents=price, percent=percent)
    assert split.commission_cents + split.supplier_cents == price
    assert 0 <= split.commission_cents <= price
    assert 0 <= split.supplier_cents <= price
    exact = Decimal(price) * Decimal(percent) / Decimal(100)
    assert split.commission_cents == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(
    ("price", "percent", "commission", "share"),
    [(5, 10, 1, 4), (4, 10, 0, 4), (1_000, 20, 200, 800), (1, 50, 1, 0), (999, 0, 0, 999)],
)
def test_worked_examples(price, percent, commission, share):
    split = commission_split(price_cents=price, percent=percent)
    assert (split.commission_cents, split.supplier_cents) == (commission, share)


@override_settings(PLATFORM_COMMISSION_PERCENT=15)
def test_the_platform_default_applies_without_an_override():
    assert commission_percent_resolve(None) == 15
    assert commission_percent_resolve(0) == 0


@pytest.mark.parametrize("percent", [-1, 101, 2.5, "20", True, None.__class__])
def test_a_bad_override_is_refused(percent):
    with pytest.raises(ValidationFailed):
        commission_percent_resolve(percent)
