"""``buyers_purchase(...)`` stamps ``Sale.lead_shared`` (marketplace migration 0015)
from the lead it locks, then the existing sales get theirs.

The value comes from the locked row (``max_sales > 1``), not from the sale's JSON: a
process still running the code before this one sends none. The rest of the function
is migration 0002's. The sales made before are filled after the function is
replaced, so none is left with the column's default; ``max_sales`` never changes
after intake, so the value read now is the one at purchase."""

import importlib

from django.db import migrations

from marketplace.migration_ops import RunSQLOnPostgreSQL

PREVIOUS = importlib.import_module("buyers.migrations.0002_purchase_fewer_statements").CREATE


def _stamped(sql: str) -> str:
    for old, new in (
        ("    v_on_sale boolean;\n", "    v_on_sale boolean;\n    v_shared boolean;\n"),
        (
            "AND supplier.suspended_at IS NULL\n    INTO v_on_sale\n",
            "AND supplier.suspended_at IS NULL,\n        on_sale.max_sales > 1\n"
            "    INTO v_on_sale, v_shared\n",
        ),
        (
            "converted_at, returned_at)\n        SELECT",
            "converted_at, returned_at, lead_shared)\n        SELECT",
        ),
        (
            "converted_at, returned_at\n        FROM jsonb_populate_record(NULL::marketplace_sale",
            "converted_at, returned_at, v_shared\n"
            "        FROM jsonb_populate_record(NULL::marketplace_sale",
        ),
    ):
        assert sql.count(old) == 1, old
        sql = sql.replace(old, new)
    return sql


CREATE = _stamped(PREVIOUS)


def lead_shared_fill(apps, schema_editor) -> None:
    Sale = apps.get_model("marketplace", "Sale")
    Sale.objects.filter(lead__max_sales__gt=1, lead_shared=False).update(lead_shared=True)


class Migration(migrations.Migration):
    dependencies = [
        ("buyers", "0002_purchase_fewer_statements"),
        ("marketplace", "0015_sale_lead_shared"),
    ]

    operations = [
        RunSQLOnPostgreSQL([CREATE], [PREVIOUS]),
        migrations.RunPython(lead_shared_fill, migrations.RunPython.noop),
    ]
