"""``sale_buyer_recent`` becomes ``sale_buyer_recent_lead``, the same key with the lead
in INCLUDE (see Sale.Meta.indexes): built CONCURRENTLY before the old one is dropped
CONCURRENTLY, so purchases and the catalog keep an index all along."""

import importlib

from django.db import migrations, models

AddIndexConcurrentlyOnPostgres = importlib.import_module(
    "marketplace.migrations.0005_catalog_indexes_lead_events"
).AddIndexConcurrentlyOnPostgres


class RemoveIndexConcurrentlyOnPostgres(migrations.RemoveIndex):
    """DROP INDEX CONCURRENTLY on PostgreSQL; a plain DROP INDEX elsewhere (the demo)."""

    def _apply(self, app_label, schema_editor, state, *, add: bool) -> None:
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        change = schema_editor.add_index if add else schema_editor.remove_index
        if schema_editor.connection.vendor == "postgresql":
            change(model, index, concurrently=True)
        else:
            change(model, index)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._apply(app_label, schema_editor, from_state, add=False)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._apply(app_label, schema_editor, to_state, add=True)


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
