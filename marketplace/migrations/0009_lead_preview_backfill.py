"""Fill ``Lead.preview`` for the leads stored before intake wrote it.

Batches of ``BATCH`` leads in primary-key order, each read (decrypted through the
model's fields) and written in its own transaction (the migration is not atomic),
so intake is never blocked for long and an interrupted run resumes where it
stopped: only leads whose preview is still empty are read.
"""

from __future__ import annotations

import json

from django.db import migrations, transaction

from marketplace.previews import preview_of

BATCH = 2_000


def backfill_previews(apps, schema_editor) -> None:
    Lead = apps.get_model("marketplace", "Lead")
    alias = schema_editor.connection.alias
    pending = (
        Lead.objects.using(alias)
        .filter(preview={})
        .only("pk", "first_name", "phone", "email", "country")
        .order_by("pk")
    )
    last = None
    while True:
        batch = list((pending if last is None else pending.filter(pk__gt=last))[:BATCH])
        if not batch:
            return
        for lead in batch:
            lead.preview = preview_of(lead)
        with transaction.atomic(using=alias):
            _store(Lead, batch, schema_editor.connection)
        last = batch[-1].pk


def _store(Lead, batch: list, connection) -> None:
    if connection.vendor != "postgresql":  # the SQLite demo
        Lead.objects.using(connection.alias).bulk_update(batch, ["preview"])
        return
    # One join against the batch's arrays: bulk_update's CASE of 2,000 branches costs
    # more Python than the decryption it follows.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_lead AS lead SET preview = batch.preview "
            "FROM unnest(%s::uuid[], %s::jsonb[]) AS batch(id, preview) "
            "WHERE lead.id = batch.id",
            [[lead.pk for lead in batch], [json.dumps(lead.preview) for lead in batch]],
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("marketplace", "0008_lead_preview"),
    ]

    operations = [
        migrations.RunPython(backfill_previews, migrations.RunPython.noop, elidable=True),
    ]
