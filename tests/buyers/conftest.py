from __future__ import annotations

import pytest

from marketplace.models import Organization


@pytest.fixture
def buyer(buyer_a) -> Organization:
    return buyer_a.organization


@pytest.fixture
def supplier(supplier_a) -> Organization:
    return supplier_a.organization


@pytest.fixture
def trading(buyer, supplier) -> dict:
    """A funded buyer that bought once: every account a purchase touches exists, so its
    next purchase is the SQL function's (PostgreSQL). Its balances after that purchase."""
    from buyers.services import purchase_create
    from tests.buyers.helpers import balances, fund, make_lead

    fund(buyer, 100_00)
    purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
    return balances(buyer)


class GeneralPath:
    """Records each purchase that took the general path, and the sales it made."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.sales: list[object] = []


@pytest.fixture
def general_path(monkeypatch) -> GeneralPath:
    """Spy on ``purchase_create``'s general path: a purchase missing from ``calls``
    was made in one statement by the SQL function (``purchase_quick``)."""
    from buyers.services import purchases

    seen = GeneralPath()
    real = purchases._purchase_general

    def spy(**kwargs):
        seen.calls.append(str(kwargs["lead_id"]))
        sale = real(**kwargs)
        seen.sales.append(sale.pk)
        return sale

    monkeypatch.setattr(purchases, "_purchase_general", spy)
    return seen
