"""``Sale.lead_shared`` and ``sale_buyer_segment_recent``: the catalog's "bought by me"
rule reads a buyer's purchases of shared leads only (see the field), and its
exclusions read a buyer's purchases in a segment since a time as one range of an index
(the "same person" indexes lead with the key: a range by time in them reads the buyer's
whole history in the segment).

The column keeps a database default (false), so a process still running the code
before this one, or the purchase function before buyers migration 0003, inserts
sales as before; that migration fills the column for the existing sales once the
function stamps it. The index is built CONCURRENTLY: purchases go on meanwhile."""

from django.db import migrations, models

from marketplace.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("marketplace", "0014_sale_buyer_recent_lead"),
    ]

    operations = [
        migrations.AddField(
            model_name="sale",
            name="lead_shared",
            field=models.BooleanField(db_default=False, default=False),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="sale",
            index=models.Index(
                fields=["buyer", "segment", "purchased_at"],
                include=("lead", "lead_shared", "phone_key", "email_key"),
                name="sale_buyer_segment_recent",
            ),
        ),
    ]
