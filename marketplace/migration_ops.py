"""Migration operations of the project's own."""

from __future__ import annotations

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """``RunSQL`` that other databases skip: SQL functions exist on PostgreSQL only, and
    the SQLite demo takes the Python paths that don't need them. Give ``sql`` and
    ``reverse_sql`` as lists, so a function body is sent whole, never split."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _change_index(schema_editor, model, index, *, add: bool) -> None:
    """Add or remove ``index``: CONCURRENTLY on PostgreSQL (the table keeps taking writes
    meanwhile; the migration must be ``atomic = False``), plainly elsewhere (the demo)."""
    change = schema_editor.add_index if add else schema_editor.remove_index
    if schema_editor.connection.vendor == "postgresql":
        change(model, index, concurrently=True)
    else:
        change(model, index)


class AddIndexConcurrentlyOnPostgres(migrations.AddIndex):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; a plain CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            _change_index(schema_editor, model, self.index, add=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            _change_index(schema_editor, model, self.index, add=False)


class RemoveIndexConcurrentlyOnPostgres(migrations.RemoveIndex):
    """DROP INDEX CONCURRENTLY on PostgreSQL; a plain DROP INDEX elsewhere."""

    def _apply(self, app_label, schema_editor, state, *, add: bool) -> None:
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        _change_index(schema_editor, model, index, add=add)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._apply(app_label, schema_editor, from_state, add=False)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._apply(app_label, schema_editor, to_state, add=True)
