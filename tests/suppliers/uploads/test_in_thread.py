"""In-process mode (no broker, ``make demo``): the upload is processed in a thread of
the web process, so the request answers before any row is read, the progress page
follows it, and the thread's database connection is closed when it ends."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from marketplace.models import Lead, LeadStatus
from suppliers.uploads import tasks
from suppliers.uploads.models import Upload, UploadStatus
from tests.suppliers.uploads.conftest import send
from tests.suppliers.uploads.files import csv_bytes, lead_row

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 60  # seconds; a safety net against a hung test, never a measured duration


@pytest.fixture
def gated(settings, monkeypatch):
    """The upload's run waits at a gate the test opens; records the thread's connection."""
    settings.UPLOADS_IN_THREAD = True
    started, gate = threading.Event(), threading.Event()
    seen: dict[str, object] = {}
    real = tasks.upload_process

    def upload_process(**kwargs):
        seen["thread"] = threading.current_thread()
        seen["connection"] = connections["default"]
        started.set()
        assert gate.wait(WAIT), "the test never opened the gate"
        return real(**kwargs)

    monkeypatch.setattr(tasks, "upload_process", upload_process)
    return started, gate, seen


def test_upload_without_a_broker_runs_after_the_request_in_its_own_thread(gated, supplier_a):
    started, gate, seen = gated
    rows = [lead_row(n) for n in range(1, 41)]
    rows[4]["phone"] = "12"

    response = send(supplier_a, csv_bytes(rows))

    # the request answered while the run waits at the gate: nothing was read in it
    assert response.status_code == 202, response.content
    assert started.wait(WAIT)
    assert seen["thread"] is not threading.current_thread()
    upload = Upload.objects.get(pk=response.json()["id"])
    assert upload.processed_rows == 0
    assert upload.status in (UploadStatus.QUEUED, UploadStatus.PROCESSING)
    assert not Lead.objects.exists()
    browser = supplier_a.browser()
    progress = browser.get(f"/suppliers/uploads/{upload.pk}/progress/")
    assert progress.status_code == 200
    assert "hx-get" in progress.content.decode()  # the page keeps polling

    gate.set()
    seen["thread"].join(WAIT)

    assert not seen["thread"].is_alive()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE, upload.failure_reason
    assert (upload.processed_rows, upload.accepted, upload.rejected) == (40, 39, 1)
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE).count() == 39
    assert seen["connection"] is not connections["default"]  # the thread had its own
    assert seen["connection"].connection is None  # and closed it
    final = browser.get(f"/suppliers/uploads/{upload.pk}/progress/").content.decode()
    assert "hx-get" not in final  # done: the page stops polling
    assert supplier_a.api().get(response.json()["url"]).json()["status"] == "done"


def test_a_run_that_crashes_in_the_thread_leaves_the_server_and_upload_usable(
    settings, monkeypatch, supplier_a
):
    settings.UPLOADS_IN_THREAD = True
    finished = threading.Event()
    real = tasks.upload_process

    def upload_process(**kwargs):
        try:
            raise RuntimeError("a bug in the run")
        finally:
            finished.set()

    monkeypatch.setattr(tasks, "upload_process", upload_process)
    response = send(supplier_a, csv_bytes([lead_row(1)]))
    assert response.status_code == 202
    assert finished.wait(WAIT)
    thread = next(t for t in threading.enumerate() if t.name.startswith("upload-"))
    thread.join(WAIT)

    upload = Upload.objects.get(pk=response.json()["id"])
    assert upload.status == UploadStatus.FAILED
    assert "unexpected error" in upload.failure_reason
    # the next upload runs as usual
    monkeypatch.setattr(tasks, "upload_process", real)
    settings.UPLOADS_IN_THREAD = False
    again = send(supplier_a, csv_bytes([lead_row(2)]))
    assert supplier_a.api().get(again.json()["url"]).json()["status"] == "done"
