"""One balanced transaction in two statements: the ledger's hot path in Python.

(A purchase on PostgreSQL posts through billing's SQL function ``billing_sale_post``
instead, in the purchase's one statement: ``billing.services.sale_posting``. This
serves the purchase's general path and every other buyer payment.)

The general path (``ledger.accounts_lock``, the key look-up, the funds check and
``write_transaction``, in a savepoint) takes about ten statements. Every sale pays
for it, so on PostgreSQL ``transaction_post_quick`` does the same work in two:

1. One UPDATE locks the organization accounts in primary-key order (a
   ``SELECT … ORDER BY id FOR UPDATE`` CTE: the lock order of ``accounts_lock``),
   checks under those locks that no balance would go below zero, and moves every
   cached balance, all or nothing. The account ids come from a per-process cache
   (``ledger.account_id_cached``); the statement checks each still names its
   organization and kind (the platform ones too), so a stale id changes nothing.
2. One INSERT writes the transaction ``ON CONFLICT (idempotency_key) DO NOTHING``
   and its entries only if the transaction row was written.

When (1) changes nothing (an account not cached or not there, or a wallet that
can't pay) it returns None having written nothing, and the caller takes the general
path: it creates missing accounts, looks the key up first (a retry of a committed
charge is answered even when the wallet is empty now) and raises
``InsufficientFunds`` with the figures. When (2) meets the key (a retry that waited
on the first call's locks, which has committed since), the balances are moved back
under the same locks and the committed transaction is returned: nothing is posted
twice. There is no savepoint: a refusal leaves nothing written, so the caller's
transaction goes on or rolls back as it chooses.
"""

from __future__ import annotations

from uuid import UUID

from django.db import connection, transaction

from billing.models import Account, Entry, Transaction
from billing.services.ledger import (
    account_id_cached,
    balanced_lines,
    transaction_by_key,
    with_entries,
)

AccountLines = list[tuple[tuple[UUID | None, str], int]]

_LOCK_AND_MOVE = """
WITH line(id, organization_id, kind, amount) AS (
    SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::text[], %s::bigint[])
), locked AS (
    SELECT account.balance_cents + line.amount >= 0 AS covered
    FROM billing_account account
    JOIN line ON account.id = line.id
        AND account.organization_id = line.organization_id AND account.kind = line.kind
    ORDER BY account.id
    FOR UPDATE OF account
)
UPDATE billing_account account SET balance_cents = account.balance_cents + line.amount
FROM line
WHERE account.id = line.id
    AND (SELECT count(*) FILTER (WHERE covered) FROM locked) = %s
    AND (
        SELECT count(*) FROM billing_account platform
        JOIN unnest(%s::bigint[], %s::text[]) AS wanted(id, kind)
            ON platform.id = wanted.id AND platform.kind = wanted.kind
        WHERE platform.organization_id IS NULL
    ) = %s
RETURNING account.id, account.balance_cents
"""

_POST = """
WITH posted AS (
    INSERT INTO billing_transaction
        (id, kind, idempotency_key, description, reference_type, reference_id, actor, created_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
)
INSERT INTO billing_entry
    (id, transaction_id, account_id, amount_cents, balance_after_cents, created_at)
SELECT line.id, posted.id, line.account_id, line.amount, line.balance_after, %s
FROM posted, unnest(%s::uuid[], %s::bigint[], %s::bigint[], %s::bigint[])
    AS line(id, account_id, amount, balance_after)
"""

_MOVE_BACK = """
UPDATE billing_account account SET balance_cents = account.balance_cents - line.amount
FROM unnest(%s::bigint[], %s::bigint[]) AS line(id, amount)
WHERE account.id = line.id
"""


def transaction_post_quick(
    *,
    kind: str,
    key: str,
    description: str,
    lines: AccountLines,
    reference_type: str = "",
    reference_id: str = "",
) -> Transaction | None:
    """Post ``lines`` (``((organization id or None for the platform, account kind),
    amount)``, each account once) as one transaction keyed ``key``, or return None
    having written nothing: the caller then takes the general path."""
    lines = balanced_lines(lines, key=key)
    if connection.vendor != "postgresql" or len({account for account, _ in lines}) != len(lines):
        return None
    ids = [account_id_cached(organization_id, kind) for (organization_id, kind), _ in lines]
    if None in ids:
        return None
    own = [(pk, line) for pk, line in zip(ids, lines, strict=True) if line[0][0] is not None]
    platform = [(pk, line) for pk, line in zip(ids, lines, strict=True) if line[0][0] is None]
    if not own:
        return None
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            _LOCK_AND_MOVE,
            [
                [pk for pk, _ in own],
                [organization_id for _, ((organization_id, _), _) in own],
                [kind for _, ((_, kind), _) in own],
                [amount for _, (_, amount) in own],
                len(own),
                [pk for pk, _ in platform],
                [kind for _, ((_, kind), _) in platform],
                len(platform),
            ],
        )
        balances = dict(cursor.fetchall())
        if len(balances) != len(own):
            return None
        posted = Transaction(
            kind=kind,
            idempotency_key=key,
            description=description[:500],
            reference_type=reference_type,
            reference_id=str(reference_id),
        )
        entries = [
            Entry(
                transaction=posted,
                account=Account(
                    id=pk,
                    organization_id=organization_id,
                    kind=account_kind,
                    balance_cents=balances.get(pk),
                ),
                amount_cents=amount,
                balance_after_cents=balances.get(pk),
                created_at=posted.created_at,
            )
            for pk, ((organization_id, account_kind), amount) in zip(ids, lines, strict=True)
        ]
        cursor.execute(
            _POST,
            [
                posted.pk,
                posted.kind,
                posted.idempotency_key,
                posted.description,
                posted.reference_type,
                posted.reference_id,
                posted.actor,
                posted.created_at,
                posted.created_at,
                [entry.pk for entry in entries],
                [entry.account_id for entry in entries],
                [entry.amount_cents for entry in entries],
                [entry.balance_after_cents for entry in entries],
            ],
        )
        if cursor.rowcount == len(entries):
            for row in (posted, *entries, *(entry.account for entry in entries)):
                row._state.adding, row._state.db = False, connection.alias
            return with_entries(posted, entries)
        # The key is taken: give the balances back under the locks we hold, and answer
        # with the transaction that has it (a Conflict if it is another kind's).
        cursor.execute(_MOVE_BACK, [[pk for pk, _ in own], [amount for _, (_, amount) in own]])
    existing = transaction_by_key(key, kind)
    if existing is None:
        raise RuntimeError(f"Ledger key {key} conflicted but no transaction holds it.")
    return existing
