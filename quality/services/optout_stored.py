"""An opt-out reaches what was stored beside the leads: the error reports and kept
files of uploads, evidence files and notes of returns on the person's leads, and the
stored API answers replayed for an ``Idempotency-Key`` (a purchase shows the lead).

``optout_stored_erase`` runs inside the opt-out's transaction, before the leads are
wiped (it needs their plaintext to find the person's traces); files are touched only
after the commit (no file work while rows are locked).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from django.core.files.storage import default_storage
from django.db import transaction

from marketplace.models import Lead
from marketplace.services.idempotency import idempotency_answers_scrub
from quality.models import Evidence
from suppliers.uploads.erasure import phone_needle, upload_row_errors_erase

ERASED = "[erased]"


def _traces(lead_ids: Collection[object], contact: str) -> tuple[list[str], list[str]]:
    """(needles for the error-report search, plaintext to remove from notes)."""
    rows = Lead.objects.filter(pk__in=lead_ids).values_list(
        "phone", "email", "first_name", "last_name"
    )
    needles, words = set(), set()
    for phone, email, first_name, last_name in [*rows, (contact, contact, "", "")]:
        if phone and phone.startswith("+"):
            needles.add(phone_needle(phone))
            words.add(phone)
        if email and "@" in email:
            needles.add(email)
            words.add(email)
        words.update(name for name in (first_name, last_name) if len(name or "") >= 2)
    return sorted(needles), sorted(words, key=len, reverse=True)


def _scrub_text(text: str, words: Iterable[str]) -> str:
    for word in words:
        text = re.sub(re.escape(word), ERASED, text, flags=re.IGNORECASE)
    return text


def optout_stored_erase(
    *,
    lead_ids: Collection[object],
    sale_ids: Collection[object],
    indexes: Collection[str],
    contact: str,
) -> dict[str, int]:
    """Scrub what the person left outside the lead rows; counts of what changed."""
    needles, words = _traces(lead_ids, contact)
    report_rows = upload_row_errors_erase(indexes=indexes, needles=needles)
    answers = idempotency_answers_scrub(ids=[*lead_ids, *sale_ids])
    files, notes = [], 0
    evidence = Evidence.objects.select_for_update().filter(ret__sale__lead_id__in=lead_ids)
    for item in evidence.order_by("pk"):
        changed = []
        if item.file:
            files.append(item.file.name)
            item.file, item.file_name = "", ""
            changed += ["file", "file_name"]
        note = _scrub_text(item.note, words)
        if note != item.note:
            item.note, notes = note, notes + 1
            changed.append("note")
        if changed:
            item.save(update_fields=changed)
    for name in files:
        transaction.on_commit(lambda name=name: default_storage.delete(name), robust=True)
    return {
        "report_rows": report_rows,
        "answers": answers,
        "evidence_files": len(files),
        "evidence_notes": notes,
    }
