"""``buyers_purchase(...)`` in four statements of its own instead of eight.

Same arguments, same result, same lock order, same rows (migration 0001 says what
it does); each statement of a PL/pgSQL function pays executor start-up and shutdown
and a snapshot. Now:

1. the advisory locks (as before);
2. one SELECT for both look-ups: this lead bought by this buyer, and this person in
   this segment since ``dedup_since`` (``already_purchased`` wins, as before);
3. the lead ``FOR UPDATE`` by its primary key, then the conditions of the conditional
   UPDATE (available, not sold out, fresh, supplier not suspended) checked on the row
   locked: as a WHERE clause they let the cached generic plan take a catalog index
   (partial on ``status = 'available'``, the lead's id not its first column) and
   read all of it, ~0.2 ms for a few thousand leads on sale and growing with them;
   then billing's ``billing_sale_post`` (as before);
4. one UPDATE of the lead whose data-modifying WITH inserts the sale, its event and
   the access-log row (the foreign keys between them are deferred, as in the
   general path's one INSERT).
"""

import importlib

from django.db import migrations

from marketplace.migration_ops import RunSQLOnPostgreSQL

PREVIOUS = importlib.import_module("buyers.migrations.0001_purchase_function").CREATE

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
    v_bought boolean;
    v_same_person boolean;
    v_on_sale boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(key) FROM unnest(lock_keys) AS key ORDER BY key;

    SELECT EXISTS (
        SELECT 1 FROM marketplace_sale bought
        WHERE bought.lead_id = v_lead AND bought.buyer_id = v_buyer
    ), v_phone <> '' AND EXISTS (
        SELECT 1 FROM marketplace_sale bought
        WHERE bought.buyer_id = v_buyer AND bought.segment_id = v_segment
            AND bought.phone_index = v_phone AND bought.phone_index <> ''
            AND bought.purchased_at >= dedup_since
    ) OR v_email <> '' AND EXISTS (
        SELECT 1 FROM marketplace_sale bought
        WHERE bought.buyer_id = v_buyer AND bought.segment_id = v_segment
            AND bought.email_index = v_email AND bought.email_index <> ''
            AND bought.purchased_at >= dedup_since
    )
    INTO v_bought, v_same_person;
    IF v_bought THEN
        outcome := 'already_purchased';
        RETURN;
    END IF;
    IF v_same_person THEN
        outcome := 'duplicate';
        RETURN;
    END IF;

    -- The lead is locked by its primary key and the conditions are read from the row
    -- locked (its latest version): with them in the WHERE clause a cached generic
    -- plan may walk a catalog index (partial on status = 'available') from end to end.
    SELECT on_sale.status = 'available' AND on_sale.sales_count < on_sale.max_sales
        AND on_sale.created_at >= fresh_since AND supplier.suspended_at IS NULL
    INTO v_on_sale
    FROM marketplace_lead on_sale
    JOIN marketplace_organization supplier ON supplier.id = on_sale.supplier_id
    WHERE on_sale.id = v_lead
    FOR UPDATE OF on_sale;
    IF v_on_sale IS NOT TRUE THEN
        outcome := 'not_on_sale';
        RETURN;
    END IF;

    IF posting IS NOT NULL AND NOT billing_sale_post(posting) THEN
        outcome := 'ledger';
        RETURN;
    END IF;

    WITH sale AS (
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
        FROM jsonb_populate_record(NULL::marketplace_sale, v_sale)
    ), event AS (
        INSERT INTO marketplace_saleevent
            (id, sale_id, kind, from_status, to_status, data, actor_id, created_at)
        SELECT id, sale_id, kind, from_status, to_status, data, actor_id, created_at
        FROM jsonb_populate_record(NULL::marketplace_saleevent, rows->'event')
    ), access AS (
        INSERT INTO marketplace_personaldataaccess
            (id, lead_id, sale_id, organization_id, user_id, api_key_id, channel, created_at)
        SELECT id, lead_id, sale_id, organization_id, user_id, api_key_id, channel, created_at
        FROM jsonb_populate_record(NULL::marketplace_personaldataaccess, rows->'access')
        WHERE jsonb_typeof(rows->'access') = 'object'
    )
    UPDATE marketplace_lead sold
    SET sales_count = sold.sales_count + 1,
        status = CASE WHEN sold.sales_count + 1 >= sold.max_sales THEN 'sold_out'
            ELSE sold.status END
    WHERE sold.id = v_lead
    RETURNING sold.status, sold.sales_count INTO lead_status, lead_sales_count;
    outcome := 'ok';
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("buyers", "0001_purchase_function"),
    ]

    operations = [RunSQLOnPostgreSQL([CREATE], [PREVIOUS])]
