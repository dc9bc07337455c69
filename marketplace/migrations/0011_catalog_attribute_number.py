"""``catalog_attribute_number(attributes, name)``: a lead attribute as a number, or NULL.

Immutable, so the per-segment expression indexes of ``catalog_attribute_indexes`` can
be built on it; the catalog's attribute range filters are written with it, so such an
index serves them. PostgreSQL only (the SQLite demo filters on json_extract)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION catalog_attribute_number(attributes jsonb, name text)
RETURNS numeric LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(attributes -> name) = 'number'
        THEN (attributes -> name)::numeric END
$$
"""
DROP = "DROP FUNCTION IF EXISTS catalog_attribute_number(jsonb, text)"


def _run(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0010_catalog_country_index"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP)),
    ]
