"""``billing_sale_post(posting jsonb)``: a sale's ledger posting as one SQL function.

The purchase's own SQL function (a buyers migration) calls it, so a purchase is one
round trip; billing's SQL stays the only code that writes ledger rows. The posting
(``billing.services.sale_posting``) names the transaction row, its lines by
organization (NULL for the platform) and account kind, with the entry ids, and the
earnings hold (or null). The function:

1. locks the organization accounts in primary-key order (the lock order of
   ``ledger.accounts_lock``) and checks under the locks that each exists and that
   no balance would go below zero, and that each platform account exists;
2. if any check fails, returns false having written nothing (the caller then
   takes the general path, which creates accounts or raises InsufficientFunds);
3. else moves the cached balances, inserts the transaction, its entries (each with
   the balance after it) and the hold, and returns true.

The deferred "balanced" trigger, the append-only triggers and the CHECK on balances
apply as they do to every other posting. PostgreSQL only: on SQLite (the demo) the
purchase always takes the general path.
"""

from django.db import migrations

from marketplace.migration_ops import RunSQLOnPostgreSQL

CREATE = r"""
CREATE OR REPLACE FUNCTION billing_sale_post(posting jsonb) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    tx jsonb := posting->'transaction';
    lines jsonb := posting->'lines';
    own_wanted integer;
    platform_wanted integer;
    own_covered integer;
BEGIN
    SELECT count(*) FILTER (WHERE line.organization_id IS NOT NULL),
           count(*) FILTER (WHERE line.organization_id IS NULL)
    INTO own_wanted, platform_wanted
    FROM jsonb_to_recordset(lines) AS line(organization_id uuid, kind text);

    SELECT count(*) FILTER (WHERE locked.covered) INTO own_covered FROM (
        SELECT account.balance_cents + line.amount >= 0 AS covered
        FROM billing_account account
        JOIN jsonb_to_recordset(lines) AS line(organization_id uuid, kind text, amount bigint)
            ON account.organization_id = line.organization_id AND account.kind = line.kind
        ORDER BY account.id
        FOR UPDATE OF account
    ) locked;
    IF own_wanted = 0 OR own_covered <> own_wanted OR platform_wanted <> (
        SELECT count(*) FROM billing_account account
        JOIN jsonb_to_recordset(lines) AS line(organization_id uuid, kind text)
            ON account.kind = line.kind
        WHERE account.organization_id IS NULL AND line.organization_id IS NULL
    ) THEN
        RETURN false;
    END IF;

    UPDATE billing_account account SET balance_cents = account.balance_cents + line.amount
    FROM jsonb_to_recordset(lines) AS line(organization_id uuid, kind text, amount bigint)
    WHERE account.organization_id = line.organization_id AND account.kind = line.kind;

    INSERT INTO billing_transaction
        (id, kind, idempotency_key, description, reference_type, reference_id, actor, created_at)
    SELECT id, kind, idempotency_key, description, reference_type, reference_id, actor, created_at
    FROM jsonb_populate_record(NULL::billing_transaction, tx);

    -- Two joins rather than one with an OR, so each finds its account by an index.
    INSERT INTO billing_entry
        (id, transaction_id, account_id, amount_cents, balance_after_cents, created_at)
    SELECT line.entry_id, (tx->>'id')::uuid, account.id, line.amount, account.balance_cents,
        (tx->>'created_at')::timestamptz
    FROM jsonb_to_recordset(lines)
        AS line(entry_id uuid, organization_id uuid, kind text, amount bigint)
    JOIN billing_account account
        ON account.organization_id = line.organization_id AND account.kind = line.kind
    UNION ALL
    SELECT line.entry_id, (tx->>'id')::uuid, account.id, line.amount, NULL,
        (tx->>'created_at')::timestamptz
    FROM jsonb_to_recordset(lines)
        AS line(entry_id uuid, organization_id uuid, kind text, amount bigint)
    JOIN billing_account account ON account.kind = line.kind AND account.organization_id IS NULL
    WHERE line.organization_id IS NULL;

    IF jsonb_typeof(posting->'hold') = 'object' THEN
        INSERT INTO billing_earningshold (id, sale_id, supplier_id, amount_cents, release_at,
            claimed_at, released_at, outcome, created_at)
        SELECT id, sale_id, supplier_id, amount_cents, release_at,
            claimed_at, released_at, outcome, created_at
        FROM jsonb_populate_record(NULL::billing_earningshold, posting->'hold')
        ON CONFLICT (sale_id) DO NOTHING;
    END IF;
    RETURN true;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS billing_sale_post(jsonb);"


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_earnings_freeze"),
    ]

    operations = [RunSQLOnPostgreSQL([CREATE], [DROP])]
