"""Monthly statements: opening + lines = closing, CSV safe for spreadsheets, members only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from billing.models import Account, AccountKind, Entry, Transaction, TransactionKind
from billing.services import adjustment_post, cpl_charge
from billing.services.ledger import platform_account
from billing.services.statements import (
    csv_cell,
    current_month,
    month_parse,
    organization_statement,
)
from marketplace.errors import ApplicationError
from tests.billing.helpers import fund

pytestmark = pytest.mark.django_db

LAST_MONTH_DAY = datetime(2025, 11, 15, 12, tzinfo=UTC)


def _post_back_then(organization, cents: int, when: datetime, key: str) -> None:
    """A top-up dated in an earlier month: services always post 'now', so the test
    writes the rows by hand (appending is allowed; the cache is kept equal)."""
    account, _ = Account.objects.get_or_create(
        organization=organization, kind=AccountKind.BUYER_AVAILABLE, defaults={"balance_cents": 0}
    )
    posted = Transaction.objects.create(
        kind=TransactionKind.TOPUP, idempotency_key=key, description="Old top-up", created_at=when
    )
    Entry.objects.create(
        transaction=posted,
        account=platform_account(AccountKind.PLATFORM_STRIPE_CLEARING),
        amount_cents=-cents,
        created_at=when,
    )
    Entry.objects.create(transaction=posted, account=account, amount_cents=cents, created_at=when)
    Account.objects.filter(pk=account.pk).update(balance_cents=account.balance_cents + cents)


def _csv_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_opening_plus_lines_is_closing(buyer_a, supplier_a):
    buyer = buyer_a.organization
    _post_back_then(buyer, 5_000, LAST_MONTH_DAY, "old:1")
    fund(buyer, 2_000)
    cpl_charge(buyer=buyer, supplier=supplier_a.organization, sale_id="st-1", price_cents=1_500)

    statement = organization_statement(organization=buyer, month=current_month())

    [available] = statement.accounts
    assert available.opening_cents == 5_000
    assert [line.amount_cents for line in available.lines] == [2_000, -1_500]
    assert available.closing_cents == available.opening_cents + 500 == 5_500
    assert (
        available.closing_cents
        == Account.objects.get(organization=buyer, kind=AccountKind.BUYER_AVAILABLE).balance_cents
    )
    assert [line.balance_cents for line in available.lines] == [7_000, 5_500]


def test_csv_is_utf8_with_bom_escapes_formulas_and_keeps_cyrillic(buyer_a):
    buyer = buyer_a.organization
    fund(buyer, 10_000)
    adjustment_post(organization=buyer, amount_cents=-100, reason="Возврат за лид №5")
    adjustment_post(organization=buyer, amount_cents=200, reason='=HYPERLINK("http://x")')
    buyer.name = "=cmd|' /C calc'!A0"
    buyer.save(update_fields=["name"])
    month = current_month().strftime("%Y-%m")

    response = buyer_a.browser().get(f"/billing/statements/{month}.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    cells = [cell for row in rows for cell in row]
    assert "Adjustment: Возврат за лид №5" in cells
    assert 'Adjustment: =HYPERLINK("http://x")' in cells  # not at the start: harmless
    assert "'=cmd|' /C calc'!A0" in cells  # the organization's name, escaped
    assert "-1.00" in cells  # numbers stay numbers
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert not any(cell.startswith("-") and not cell[1:2].isdigit() for cell in cells)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-cmd", "'-cmd"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.50", "-12.50"),
        ("12.50", "12.50"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_csv_cell_escaping(raw, escaped):
    assert csv_cell(raw) == escaped


def test_other_organizations_lines_never_appear(buyer_a, buyer_b):
    adjustment_post(organization=buyer_a.organization, amount_cents=111, reason="Only for A")
    adjustment_post(organization=buyer_b.organization, amount_cents=222, reason="Only for B")
    month = current_month().strftime("%Y-%m")

    csv_text = buyer_a.browser().get(f"/billing/statements/{month}.csv").content.decode()
    page = buyer_a.browser().get(f"/billing/statements/{month}/").content.decode()

    for text in (csv_text, page):
        assert "Only for A" in text
        assert "Only for B" not in text
        assert "2.22" not in text


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "abc", "2026-1", "9999-01", "1999-12", "2026-01-01", "-2026-01"]
)
def test_bad_months_are_404(buyer_a, month):
    client = buyer_a.browser()
    assert client.get(f"/billing/statements/{month}/").status_code == 404
    assert client.get(f"/billing/statements/{month}.csv").status_code == 404


def test_next_month_is_404_and_this_month_is_200(buyer_a):
    this = current_month()
    following = date(this.year + this.month // 12, this.month % 12 + 1, 1)
    assert month_parse(following.strftime("%Y-%m")) is None
    client = buyer_a.browser()
    assert client.get(f"/billing/statements/{following:%Y-%m}/").status_code == 404
    assert client.get(f"/billing/statements/{this:%Y-%m}/").status_code == 200


def test_index_lists_months_from_the_first_line(buyer_a):
    _post_back_then(buyer_a.organization, 1_000, LAST_MONTH_DAY, "old:index")

    response = buyer_a.browser().get("/billing/statements/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "/billing/statements/2025-11/" in body
    assert f"/billing/statements/{current_month():%Y-%m}.csv" in body


def test_printable_page_shows_opening_and_closing(buyer_a):
    _post_back_then(buyer_a.organization, 4_200, LAST_MONTH_DAY, "old:page")

    body = buyer_a.browser().get("/billing/statements/2025-11/").content.decode()

    assert "Opening balance" in body
    assert "Closing balance" in body
    assert "42.00" in body


def test_statements_need_a_signed_in_member(anonymous, moderator):
    assert anonymous.get("/billing/statements/").status_code == 302
    assert anonymous.get(f"/billing/statements/{current_month():%Y-%m}.csv").status_code == 302
    # a moderator acts for no organization: sent to create one, no data
    assert moderator.browser().get("/billing/statements/").status_code == 302


def test_month_parse_never_raises_on_junk():
    for junk in [
        "",
        " ",
        "2026-\u0660\u0661",
        "\uff12\uff10\uff12\uff16-01",
        None,
        202601,
        "2026-01\n",
    ]:
        try:
            assert month_parse(junk) is None
        except ApplicationError:  # pragma: no cover
            pytest.fail(junk)
