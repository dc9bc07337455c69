"""The catalog's country index (see Lead.Meta.indexes), built concurrently on PostgreSQL."""

from django.db import migrations, models

from marketplace.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("marketplace", "0009_lead_preview_backfill"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "available")),
                fields=["country", "created_at", "id"],
                include=(
                    "segment",
                    "supplier",
                    "region",
                    "temperature",
                    "price_cents",
                    "cpa_price_cents",
                    "sales_count",
                    "max_sales",
                    "phone_key",
                    "email_key",
                ),
                name="lead_catalog_country",
            ),
        ),
    ]
