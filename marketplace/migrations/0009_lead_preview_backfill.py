"""Fill ``Lead.preview`` for the leads stored before intake wrote it.

Batches of ``BATCH`` leads in primary-key order, each read (decrypted through the
model's fields) and written in its own transaction (the migration is not atomic),
so intake is never blocked for long and an interrupted run resumes where it
stopped: only leads whose preview is still empty are read.
"""

from __future__ import annotations

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
            Lead.objects.using(alias).bulk_update(batch, ["preview"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("marketplace", "0008_lead_preview"),
    ]

    operations = [
        migrations.RunPython(backfill_previews, migrations.RunPython.noop, elidable=True),
    ]
