"""One supplier cannot starve others: its uploads run UPLOADS_PER_SUPPLIER at a time,
the others wait queued and start when a slot frees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import Lead
from suppliers.uploads.models import Upload, UploadStatus
from suppliers.uploads.processing import upload_process
from suppliers.uploads.services import (
    upload_claim,
    uploads_discard_abandoned,
    uploads_resume_stalled,
)
from tests.suppliers.uploads.conftest import create
from tests.suppliers.uploads.files import csv_bytes, lead_row

pytestmark = pytest.mark.django_db


def test_second_upload_waits_until_the_first_finishes_then_starts(
    supplier_a, settings, django_capture_on_commit_callbacks
):
    settings.UPLOADS_PER_SUPPLIER = 1
    first = create(supplier_a, csv_bytes([lead_row(1)]))
    second = create(supplier_a, csv_bytes([lead_row(2)]))

    # given: the first holds the supplier's only slot
    assert upload_claim(upload_id=first.pk) is not None
    # when: the second's task runs, it leaves it queued
    assert upload_process(upload_id=second.pk) == "idle"
    assert Upload.objects.get(pk=second.pk).status == UploadStatus.QUEUED

    # when: the first finishes, the second is started (its task enqueued after commit)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_process(upload_id=first.pk) == "done"

    assert Upload.objects.get(pk=second.pk).status == UploadStatus.DONE
    assert Lead.objects.count() == 2


def test_another_suppliers_upload_is_not_held_up(supplier_a, supplier_b, settings):
    settings.UPLOADS_PER_SUPPLIER = 1
    busy = create(supplier_a, csv_bytes([lead_row(1)]))
    assert upload_claim(upload_id=busy.pk) is not None

    other = create(supplier_b, csv_bytes([lead_row(2)]))

    assert upload_process(upload_id=other.pk) == "done"


def test_concurrency_setting_allows_more_running_uploads(supplier_a, settings):
    settings.UPLOADS_PER_SUPPLIER = 2
    uploads = [create(supplier_a, csv_bytes([lead_row(n)])) for n in range(3)]

    claimed = [upload_claim(upload_id=upload.pk) for upload in uploads]

    assert [upload is not None for upload in claimed] == [True, True, False]
    statuses = Upload.objects.order_by("created_at").values_list("status", flat=True)
    assert list(statuses) == ["processing", "processing", "queued"]


def test_a_resumed_run_keeps_its_slot(supplier_a, settings):
    settings.UPLOADS_PER_SUPPLIER = 1
    upload = create(supplier_a, csv_bytes([lead_row(1)]))

    assert upload_claim(upload_id=upload.pk) is not None
    assert upload_claim(upload_id=upload.pk) is not None  # the redelivered message


def test_stalled_uploads_are_handed_to_a_task_again(supplier_a, settings, monkeypatch):
    from suppliers.uploads import services

    sent: list[str] = []
    monkeypatch.setattr(services, "enqueue", lambda upload_id: sent.append(str(upload_id)))
    stalled = create(supplier_a, csv_bytes([lead_row(1)]))
    create(supplier_a, csv_bytes([lead_row(2)]))  # fresh: not handed over
    long_ago = timezone.now() - timedelta(seconds=settings.UPLOAD_STALE_SECONDS + 60)
    Upload.objects.filter(pk=stalled.pk).update(
        status=UploadStatus.PROCESSING, created_at=long_ago, heartbeat_at=long_ago
    )

    assert uploads_resume_stalled() == 1
    assert sent == [str(stalled.pk)]


def test_files_never_mapped_are_dropped_after_a_day(
    supplier_a, uploads_dir, django_capture_on_commit_callbacks
):
    waiting = create(supplier_a, csv_bytes([lead_row(1)]), await_mapping=True)
    recent = create(supplier_a, csv_bytes([lead_row(2)]), await_mapping=True)
    Upload.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        assert uploads_discard_abandoned() == 1

    waiting.refresh_from_db()
    assert waiting.status == UploadStatus.FAILED
    assert "never confirmed" in waiting.failure_reason
    assert not (uploads_dir / waiting.stored_name).exists()
    assert (uploads_dir / recent.stored_name).exists()
