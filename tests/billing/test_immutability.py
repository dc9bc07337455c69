"""The ledger is append-only in PostgreSQL itself, not only in Python."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from billing.models import Account, Entry, Transaction
from billing.services import cpl_charge
from tests.billing.helpers import fund

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def charge(buyer, supplier) -> Transaction:
    fund(buyer, 1_000)
    return cpl_charge(buyer=buyer, supplier=supplier, sale_id="s1", price_cents=1_000)


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE billing_entry SET amount_cents = amount_cents * 2 WHERE transaction_id = %s",
        "DELETE FROM billing_entry WHERE transaction_id = %s",
        "UPDATE billing_transaction SET description = 'rewritten' WHERE id = %s",
        "DELETE FROM billing_transaction WHERE id = %s",
    ],
)
def test_entries_and_transactions_cannot_be_updated_or_deleted(charge, sql):
    with pytest.raises(InternalError, match="Cannot"):
        _raw(sql, [charge.pk])
    assert charge.entries.count() == 3
    assert Transaction.objects.get(pk=charge.pk).description == charge.description


def test_orm_update_of_an_entry_is_refused(charge):
    entry = charge.entries.first()
    entry.amount_cents += 1
    with pytest.raises(InternalError), transaction.atomic():
        entry.save()


def test_accounts_cannot_be_deleted(charge):
    with pytest.raises(InternalError):
        _raw("DELETE FROM billing_account WHERE organization_id IS NULL", [])
    assert Account.objects.filter(organization__isnull=True).exists()


def test_a_negative_wallet_balance_is_refused_by_a_check_constraint(buyer, charge):
    with pytest.raises(IntegrityError):
        _raw("UPDATE billing_account SET balance_cents = -1 WHERE organization_id = %s", [buyer.pk])


def _commit_now(write) -> None:
    """Run ``write`` in a savepoint with deferred triggers firing immediately, as at commit."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        write()


def test_an_unbalanced_transaction_is_refused_at_commit(buyer):
    fund(buyer, 500)
    account = Account.objects.get(organization=buyer)

    def one_sided_entry() -> None:
        posted = Transaction.objects.create(
            kind="adjustment", idempotency_key="forged", description="x"
        )
        Entry.objects.create(transaction=posted, account=account, amount_cents=100)

    def no_entries() -> None:
        Transaction.objects.create(kind="adjustment", idempotency_key="empty", description="x")

    with pytest.raises(IntegrityError, match="not balanced"):
        _commit_now(one_sided_entry)
    with pytest.raises(IntegrityError, match="not balanced"):
        _commit_now(no_entries)
    assert not Transaction.objects.filter(idempotency_key__in=["forged", "empty"]).exists()
