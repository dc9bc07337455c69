"""The catalog's temperature indexes (see Lead.Meta.indexes), built concurrently on
PostgreSQL."""

from django.db import migrations, models

from marketplace.migration_ops import AddIndexConcurrentlyOnPostgres


INCLUDE = (
    "segment",
    "supplier",
    "country",
    "region",
    "price_cents",
    "cpa_price_cents",
    "sales_count",
    "max_sales",
    "phone_key",
    "email_key",
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("marketplace", "0012_purchase_index_trim"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "available")),
                fields=["segment", "temperature", "created_at", "id"],
                include=INCLUDE[1:],
                name="lead_catalog_segment_temp",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "available")),
                fields=["temperature", "created_at", "id"],
                include=INCLUDE,
                name="lead_catalog_temperature",
            ),
        ),
    ]
