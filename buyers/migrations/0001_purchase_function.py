"""``buyers_purchase(...)``: the hot path of a purchase as one SQL function.

``buyers.services.purchase_quick`` calls it once per purchase: one round trip, and
its statements' plans are cached for the session (PL/pgSQL), where the general
path sends ten statements that are each parsed and planned again. It does what the
general path does, in the same lock order, and writes nothing unless everything
succeeds:

1. the advisory locks of this buyer + lead and buyer + person (keys computed by
   ``buyers.services.locks.purchase_lock_keys``, taken in sorted order);
2. after them, the look-up: this lead bought by this buyer, or this person in this
   segment since ``dedup_since`` (each with the literal ``<> ''`` so the partial
   indexes serve a cached generic plan too);
3. the lead locked ``FOR UPDATE`` under the conditions of the conditional UPDATE
   (available, not sold out, fresh since ``fresh_since``, supplier not suspended);
4. billing's ``billing_sale_post`` (a billing migration): locks the accounts,
   checks funds, and only then writes the ledger rows and the hold;
5. the lead's count and status, the sale, its event and the access-log row.

Every refusal in 2–4 returns its reason before anything is written (the locks taken
stay until the transaction ends, as the general path's would), and the service runs
the general path, which raises the error with its message. The function returns the
outcome (``ok`` or the reason) and the lead's new status and count. PostgreSQL
only: the SQLite demo takes the general path.
"""

from django.db import migrations

from marketplace.migration_ops import RunSQLOnPostgreSQL

CREATE = r"""
CREATE OR REPLACE FUNCTION buyers_purchase(
    lock_keys bigint[],
    rows jsonb,
    dedup_since timestamptz,
    fresh_since timestamptz,
    posting jsonb,
    OUT outcome text,
    OUT lead_status text,
    OUT lead_sales_count integer
) LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
    v_sale jsonb := rows->'sale';
    v_buyer uuid := (rows->'sale'->>'buyer_id')::uuid;
    v_lead uuid := (rows->'sale'->>'lead_id')::uuid;
    v_segment bigint := (rows->'sale'->>'segment_id')::bigint;
    v_phone text := rows->'sale'->>'phone_index';
    v_email text := rows->'sale'->>'email_index';
BEGIN
    PERFORM pg_advisory_xact_lock(key) FROM unnest(lock_keys) AS key ORDER BY key;

    IF EXISTS (
        SELECT 1 FROM marketplace_sale bought WHERE bought.lead_id = v_lead AND bought.buyer_id = v_buyer
    ) THEN
        outcome := 'already_purchased';
        RETURN;
    END IF;
    IF v_phone <> '' AND EXISTS (
        SELECT 1 FROM marketplace_sale bought
        WHERE bought.buyer_id = v_buyer AND bought.segment_id = v_segment
            AND bought.phone_index = v_phone AND bought.phone_index <> ''
            AND bought.purchased_at >= dedup_since
    ) OR v_email <> '' AND EXISTS (
        SELECT 1 FROM marketplace_sale bought
        WHERE bought.buyer_id = v_buyer AND bought.segment_id = v_segment
            AND bought.email_index = v_email AND bought.email_index <> ''
            AND bought.purchased_at >= dedup_since
    ) THEN
        outcome := 'duplicate';
        RETURN;
    END IF;

    PERFORM 1 FROM marketplace_lead on_sale
    WHERE on_sale.id = v_lead AND on_sale.status = 'available'
        AND on_sale.sales_count < on_sale.max_sales AND on_sale.created_at >= fresh_since
        AND EXISTS (
            SELECT 1 FROM marketplace_organization supplier
            WHERE supplier.id = on_sale.supplier_id AND supplier.suspended_at IS NULL
        )
    FOR UPDATE OF on_sale;
    IF NOT FOUND THEN
        outcome := 'not_on_sale';
        RETURN;
    END IF;

    IF posting IS NOT NULL AND NOT billing_sale_post(posting) THEN
        outcome := 'ledger';
        RETURN;
    END IF;

    UPDATE marketplace_lead sold
    SET sales_count = sold.sales_count + 1,
        status = CASE WHEN sold.sales_count + 1 >= sold.max_sales THEN 'sold_out' ELSE sold.status END
    WHERE sold.id = v_lead
    RETURNING sold.status, sold.sales_count INTO lead_status, lead_sales_count;

    INSERT INTO marketplace_sale (id, lead_id, buyer_id, supplier_id, segment_id, phone_index,
        email_index, billing_model, price_cents, currency, commission_percent, status,
        purchased_at, return_deadline, action_deadline, outcome, outcome_reason,
        outcome_updated_at, action_reported_at, action_occurred_at, action_external_ref,
        converted_at, returned_at)
    SELECT id, lead_id, buyer_id, supplier_id, segment_id, phone_index,
        email_index, billing_model, price_cents, currency, commission_percent, status,
        purchased_at, return_deadline, action_deadline, outcome, outcome_reason,
        outcome_updated_at, action_reported_at, action_occurred_at, action_external_ref,
        converted_at, returned_at
    FROM jsonb_populate_record(NULL::marketplace_sale, v_sale);

    INSERT INTO marketplace_saleevent
        (id, sale_id, kind, from_status, to_status, data, actor_id, created_at)
    SELECT id, sale_id, kind, from_status, to_status, data, actor_id, created_at
    FROM jsonb_populate_record(NULL::marketplace_saleevent, rows->'event');

    IF jsonb_typeof(rows->'access') = 'object' THEN
        INSERT INTO marketplace_personaldataaccess
            (id, lead_id, sale_id, organization_id, user_id, api_key_id, channel, created_at)
        SELECT id, lead_id, sale_id, organization_id, user_id, api_key_id, channel, created_at
        FROM jsonb_populate_record(NULL::marketplace_personaldataaccess, rows->'access');
    END IF;
    outcome := 'ok';
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS buyers_purchase(bigint[], jsonb, timestamptz, timestamptz, jsonb);"


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("marketplace", "0010_catalog_country_index"),
        ("billing", "0005_sale_post_function"),
    ]

    operations = [RunSQLOnPostgreSQL([CREATE], [DROP])]
