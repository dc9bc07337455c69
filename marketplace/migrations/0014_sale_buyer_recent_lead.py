"""``sale_buyer_recent`` becomes ``sale_buyer_recent_lead``, the same key with the lead
in INCLUDE (see Sale.Meta.indexes): built CONCURRENTLY before the old one is dropped
CONCURRENTLY, so purchases and the catalog keep an index all along."""

from django.db import migrations, models

from marketplace.migration_ops import (
    AddIndexConcurrentlyOnPostgres,
    RemoveIndexConcurrentlyOnPostgres,
)


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("marketplace", "0013_catalog_temperature_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="sale",
            index=models.Index(
                fields=["buyer", "-purchased_at", "-id"],
                include=("lead",),
                name="sale_buyer_recent_lead",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgres(model_name="sale", name="sale_buyer_recent"),
    ]
