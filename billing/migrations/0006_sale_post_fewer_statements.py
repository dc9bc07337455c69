"""``billing_sale_post(posting jsonb)`` in two statements instead of seven (six without a hold).

Same arguments, same checks in the same order of locks, same rows (migration 0005
says what it does). Each statement of a PL/pgSQL function pays executor start-up and
shutdown, a snapshot and its own scans of the accounts; the posting now makes:

1. one SELECT that locks the organization accounts in primary-key order and checks
   under the locks that each exists and that no balance would go below zero, and
   that each platform account exists (false, nothing written, if not);
2. one INSERT of the entries whose data-modifying WITH moves the organization
   accounts' cached balances (each entry's balance after is what that UPDATE
   returns), inserts the transaction and the earnings hold.

The deferred "balanced" trigger, the append-only triggers, the CHECK on balances and
the deferred foreign keys apply as before.

Also drops ``billing_earningshold.sale_id``'s ``varchar_pattern_ops`` index, which
PostgreSQL's backend adds for LIKE on every unique CharField: nothing matches a hold's
sale id by prefix (the unique index serves ``=`` and ``IN``), and a CPL purchase
writes a hold.
"""

import importlib

from django.db import migrations

from marketplace.migration_ops import RunSQLOnPostgreSQL

PREVIOUS = importlib.import_module("billing.migrations.0005_sale_post_function").CREATE

CREATE = r"""
CREATE OR REPLACE FUNCTION billing_sale_post(posting jsonb) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    tx jsonb := posting->'transaction';
    lines jsonb := posting->'lines';
    ready boolean;
BEGIN
    SELECT wanted.own > 0 AND locked.covered = wanted.own AND platform.found = wanted.platform
    INTO ready
    FROM (
        SELECT count(*) FILTER (WHERE line.organization_id IS NOT NULL) AS own,
               count(*) FILTER (WHERE line.organization_id IS NULL) AS platform
        FROM jsonb_to_recordset(lines) AS line(organization_id uuid)
    ) wanted, (
        SELECT count(*) FILTER (WHERE account.covered) AS covered FROM (
            SELECT account.balance_cents + line.amount >= 0 AS covered
            FROM billing_account account
            JOIN jsonb_to_recordset(lines) AS line(organization_id uuid, kind text, amount bigint)
                ON account.organization_id = line.organization_id AND account.kind = line.kind
            ORDER BY account.id
            FOR UPDATE OF account
        ) account
    ) locked, (
        SELECT count(*) AS found FROM billing_account account
        JOIN jsonb_to_recordset(lines) AS line(organization_id uuid, kind text)
            ON account.kind = line.kind
        WHERE account.organization_id IS NULL AND line.organization_id IS NULL
    ) platform;
    IF NOT ready THEN
        RETURN false;
    END IF;

    WITH moved AS (
        UPDATE billing_account account SET balance_cents = account.balance_cents + line.amount
        FROM jsonb_to_recordset(lines)
            AS line(entry_id uuid, organization_id uuid, kind text, amount bigint)
        WHERE account.organization_id = line.organization_id AND account.kind = line.kind
        RETURNING line.entry_id, account.id AS account_id, line.amount, account.balance_cents
    ), posted AS (
        INSERT INTO billing_transaction
            (id, kind, idempotency_key, description, reference_type, reference_id, actor,
             created_at)
        SELECT id, kind, idempotency_key, description, reference_type, reference_id, actor,
            created_at
        FROM jsonb_populate_record(NULL::billing_transaction, tx)
    ), held AS (
        INSERT INTO billing_earningshold (id, sale_id, supplier_id, amount_cents, release_at,
            claimed_at, released_at, outcome, created_at)
        SELECT id, sale_id, supplier_id, amount_cents, release_at,
            claimed_at, released_at, outcome, created_at
        FROM jsonb_populate_record(NULL::billing_earningshold, posting->'hold')
        WHERE jsonb_typeof(posting->'hold') = 'object'
        ON CONFLICT (sale_id) DO NOTHING
    )
    INSERT INTO billing_entry
        (id, transaction_id, account_id, amount_cents, balance_after_cents, created_at)
    SELECT moved.entry_id, (tx->>'id')::uuid, moved.account_id, moved.amount,
        moved.balance_cents, (tx->>'created_at')::timestamptz
    FROM moved
    UNION ALL
    SELECT line.entry_id, (tx->>'id')::uuid, account.id, line.amount, NULL,
        (tx->>'created_at')::timestamptz
    FROM jsonb_to_recordset(lines)
        AS line(entry_id uuid, organization_id uuid, kind text, amount bigint)
    JOIN billing_account account ON account.kind = line.kind AND account.organization_id IS NULL
    WHERE line.organization_id IS NULL;
    RETURN true;
END
$fn$;
"""

LIKE_INDEX = "billing_earningshold_sale_id_e8f6d1fc_like"


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_sale_post_function"),
    ]

    operations = [
        RunSQLOnPostgreSQL([CREATE], [PREVIOUS]),
        RunSQLOnPostgreSQL(
            [f'DROP INDEX IF EXISTS "{LIKE_INDEX}"'],
            [
                f'CREATE INDEX "{LIKE_INDEX}" ON "billing_earningshold"'
                ' ("sale_id" varchar_pattern_ops)'
            ],
        ),
    ]
