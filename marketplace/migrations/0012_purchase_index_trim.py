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

from django.conf import settings
from django.db import migrations, models
from django.db.models.deletion import CASCADE, PROTECT, SET_NULL

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

# (model, foreign key, to, on_delete, related_name): db_index=False in the state only;
# the SET_NULL ones are blank=True, null=True
UNINDEXED_FIELDS = [
    ("lead", "duplicate_of", "marketplace.lead", SET_NULL, "+"),
    ("lead", "supplier", "marketplace.organization", PROTECT, "supplied_leads"),
    ("personaldataaccess", "api_key", "marketplace.apikey", SET_NULL, "+"),
    ("personaldataaccess", "lead", "marketplace.lead", CASCADE, "accesses"),
    ("personaldataaccess", "user", settings.AUTH_USER_MODEL, SET_NULL, "+"),
    ("sale", "buyer", "marketplace.organization", PROTECT, "purchases"),
    ("sale", "lead", "marketplace.lead", PROTECT, "sales"),
    ("sale", "supplier", "marketplace.organization", PROTECT, "sales_made"),
    ("saleevent", "actor", settings.AUTH_USER_MODEL, SET_NULL, "+"),
]

# (model, field, index name): indexed only where set
PARTIAL_INDEXES = [
    ("lead", "duplicate_of", "lead_duplicate_of"),
    ("personaldataaccess", "user", "access_user"),
    ("personaldataaccess", "api_key", "access_api_key"),
    ("saleevent", "actor", "saleevent_actor"),
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
                    model_name=model_name,
                    name=name,
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=on_delete,
                        related_name=related_name,
                        to=to,
                        **({"blank": True, "null": True} if on_delete is SET_NULL else {}),
                    ),
                )
                for model_name, name, to, on_delete, related_name in UNINDEXED_FIELDS
            ],
        ),
        *(
            migrations.AddIndex(
                model_name=model_name,
                index=models.Index(
                    condition=models.Q((f"{field}__isnull", False)), fields=[field], name=name
                ),
            )
            for model_name, field, name in PARTIAL_INDEXES
        ),
    ]
