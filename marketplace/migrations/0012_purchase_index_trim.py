"""Indexes a purchase no longer writes.

Each index is one more entry per row a purchase writes. Dropped: the single-column
foreign-key indexes that a composite index starts with (sale: lead, buyer, supplier;
access log: lead; lead: supplier); indexed only where set, as partial indexes: the
foreign keys that are nearly always NULL (lead.duplicate_of, the access log's user
and API key, a sale event's actor), which serve ``= value`` look-ups (foreign-key
checks on delete included) all the same.

The fields change in the migration state only; the database drops just the indexes
(``AlterField`` would also drop and re-create the foreign-key constraints, checking
every row again).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, index Django named for the field's db_index)
DROPPED = [
    ("marketplace_lead", "duplicate_of_id", "marketplace_lead_duplicate_of_id_43dc612c"),
    ("marketplace_lead", "supplier_id", "marketplace_lead_supplier_id_a7dda427"),
    (
        "marketplace_personaldataaccess",
        "api_key_id",
        "marketplace_personaldataaccess_api_key_id_73c1a898",
    ),
    (
        "marketplace_personaldataaccess",
        "lead_id",
        "marketplace_personaldataaccess_lead_id_a5c049ca",
    ),
    (
        "marketplace_personaldataaccess",
        "user_id",
        "marketplace_personaldataaccess_user_id_863b9a96",
    ),
    ("marketplace_sale", "buyer_id", "marketplace_sale_buyer_id_cf460f73"),
    ("marketplace_sale", "lead_id", "marketplace_sale_lead_id_cb7fcfea"),
    ("marketplace_sale", "supplier_id", "marketplace_sale_supplier_id_e55ac34a"),
    ("marketplace_saleevent", "actor_id", "marketplace_saleevent_actor_id_4e172cb8"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0011_catalog_attribute_number"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="lead",
                    name="duplicate_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="marketplace.lead",
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="supplier",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="supplied_leads",
                        to="marketplace.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="personaldataaccess",
                    name="api_key",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="marketplace.apikey",
                    ),
                ),
                migrations.AlterField(
                    model_name="personaldataaccess",
                    name="lead",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="accesses",
                        to="marketplace.lead",
                    ),
                ),
                migrations.AlterField(
                    model_name="personaldataaccess",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="sale",
                    name="buyer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="purchases",
                        to="marketplace.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="sale",
                    name="lead",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sales",
                        to="marketplace.lead",
                    ),
                ),
                migrations.AlterField(
                    model_name="sale",
                    name="supplier",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sales_made",
                        to="marketplace.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="saleevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="lead_duplicate_of",
            ),
        ),
        migrations.AddIndex(
            model_name="personaldataaccess",
            index=models.Index(
                condition=models.Q(("user__isnull", False)), fields=["user"], name="access_user"
            ),
        ),
        migrations.AddIndex(
            model_name="personaldataaccess",
            index=models.Index(
                condition=models.Q(("api_key__isnull", False)),
                fields=["api_key"],
                name="access_api_key",
            ),
        ),
        migrations.AddIndex(
            model_name="saleevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="saleevent_actor",
            ),
        ),
    ]
