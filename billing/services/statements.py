"""Monthly statements: an organization's ledger lines of one calendar month (UTC),
with each account's opening and closing balance. Reads only.

Opening balance = the sum of the account's entries before the month; closing =
opening + the month's lines, so a statement proves itself line by line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Min, Sum
from django.utils import timezone

from billing.models import Account, AccountKind, Entry
from billing.selectors import ACCOUNT_LABEL, line_description
from marketplace.models import Organization
from marketplace.money import currency, format_cents

_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
FIRST_MONTH = date(2000, 1, 1)
_ACCOUNT_ORDER = [
    AccountKind.BUYER_AVAILABLE,
    AccountKind.BUYER_RESERVED,
    AccountKind.SUPPLIER_PENDING,
    AccountKind.SUPPLIER_PAYABLE,
]


@dataclass(frozen=True)
class StatementLine:
    created_at: datetime
    description: str
    amount_cents: int
    balance_cents: int
    transaction_id: str
    reference: str


@dataclass
class AccountStatement:
    kind: str
    label: str
    opening_cents: int
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing_cents(self) -> int:
        return self.opening_cents + sum(line.amount_cents for line in self.lines)

    @property
    def credits_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines if line.amount_cents > 0)

    @property
    def debits_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines if line.amount_cents < 0)


@dataclass
class Statement:
    organization: Organization
    month: date
    starts_at: datetime
    ends_at: datetime
    currency: str
    accounts: list[AccountStatement]

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def last_day(self) -> date:
        return (self.ends_at - timedelta(days=1)).date()


def current_month() -> date:
    today = timezone.now().astimezone(UTC).date()
    return today.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_parse(text: object) -> date | None:
    """ "2026-03" → date(2026, 3, 1); None for anything else, the future, or before 2000."""
    if not isinstance(text, str):
        return None
    match = _MONTH_RE.fullmatch(text)
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return None
    parsed = date(year, month, 1)
    if parsed < FIRST_MONTH or parsed > current_month():
        return None
    return parsed


def statement_months(*, organization: Organization, limit: int = 120) -> list[date]:
    """Months with a statement, newest first: from the first ledger line (or the
    organization's creation) to this month."""
    first_entry = Entry.objects.filter(account__organization=organization).aggregate(
        first=Min("created_at")
    )["first"]
    start = min(filter(None, [first_entry, organization.created_at]))
    month = max(start.astimezone(UTC).date().replace(day=1), FIRST_MONTH)
    months: list[date] = []
    last = current_month()
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return list(reversed(months))[:limit]


def _reference(entry: Entry) -> str:
    posted = entry.transaction
    if posted.reference_type and posted.reference_id:
        return f"{posted.reference_type}:{posted.reference_id}"
    return ""


def organization_statement(*, organization: Organization, month: date) -> Statement:
    starts_at = datetime(month.year, month.month, 1, tzinfo=UTC)
    next_month = _next_month(month)
    ends_at = datetime(next_month.year, next_month.month, 1, tzinfo=UTC)
    accounts = {
        account.kind: account for account in Account.objects.filter(organization=organization)
    }
    openings = dict(
        Entry.objects.filter(account__organization=organization, created_at__lt=starts_at)
        .values("account__kind")
        .annotate(total=Sum("amount_cents"))
        .values_list("account__kind", "total")
    )
    by_kind = {
        kind: AccountStatement(
            kind=kind, label=ACCOUNT_LABEL[kind], opening_cents=openings.get(kind) or 0
        )
        for kind in _ACCOUNT_ORDER
        if kind in accounts
    }
    running = {kind: statement.opening_cents for kind, statement in by_kind.items()}
    entries = (
        Entry.objects.filter(
            account__organization=organization,
            created_at__gte=starts_at,
            created_at__lt=ends_at,
        )
        .select_related("transaction", "account")
        .order_by("created_at", "id")
    )
    for entry in entries.iterator(chunk_size=2000):
        kind = entry.account.kind
        running[kind] += entry.amount_cents
        by_kind[kind].lines.append(
            StatementLine(
                created_at=entry.created_at,
                description=line_description(entry),
                amount_cents=entry.amount_cents,
                balance_cents=running[kind],
                transaction_id=str(entry.transaction_id),
                reference=_reference(entry),
            )
        )
    return Statement(
        organization=organization,
        month=month,
        starts_at=starts_at,
        ends_at=ends_at,
        currency=currency(),
        accounts=list(by_kind.values()),
    )


# --- CSV -------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet won't run: text starting with = + - @ tab or CR gets a
    leading apostrophe. Plain numbers ("-12.50") stay numbers."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def _rows(statement: Statement) -> Iterable[list[object]]:
    yield ["Statement", statement.organization.name, statement.label, statement.currency]
    yield []
    yield ["account", "date", "description", "amount", "balance", "transaction", "reference"]
    for account in statement.accounts:
        yield [
            account.label,
            statement.starts_at.date().isoformat(),
            "Opening balance",
            "",
            format_cents(account.opening_cents),
            "",
            "",
        ]
        for line in account.lines:
            yield [
                account.label,
                line.created_at.astimezone(UTC).isoformat(timespec="seconds"),
                line.description,
                format_cents(line.amount_cents),
                format_cents(line.balance_cents),
                line.transaction_id,
                line.reference,
            ]
        yield [
            account.label,
            statement.last_day.isoformat(),
            "Closing balance",
            "",
            format_cents(account.closing_cents),
            "",
            "",
        ]


def statement_csv(statement: Statement) -> str:
    """UTF-8 text with a byte-order mark, so spreadsheets read accents and Cyrillic."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in _rows(statement):
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()
