"""A supplier's upload processed by a real Celery worker (over Redis) while the browser
polls its progress: the bar and the counts move chunk by chunk, then the summary and the
error report.

The worker is paced, not timed: after storing each chunk it waits for the test to let it
go on, so the page is checked at every step whatever the machine's speed."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from marketplace.celery import app
from marketplace.models import Lead, LeadStatus
from suppliers.uploads import processing
from suppliers.uploads.models import Upload, UploadRowError, UploadStatus
from tests.browser.helpers import sign_in_as
from tests.suppliers.uploads.files import csv_bytes, lead_row
from tests.suppliers.uploads.test_worker import QUEUE, broker  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CHUNK = 100


class Pace:
    """Lets the worker store one more chunk each time ``step()`` is called."""

    def __init__(self) -> None:
        self._go = threading.Semaphore(0)
        self._free = threading.Event()

    def wait(self) -> None:
        while not self._free.is_set() and not self._go.acquire(timeout=0.5):
            pass

    def step(self) -> None:
        self._go.release()

    def free(self) -> None:
        self._free.set()


@pytest.fixture
def paced_worker(broker, settings, monkeypatch, django_db_blocker) -> Iterator[Pace]:  # noqa: F811
    settings.UPLOAD_CHUNK_ROWS = CHUNK
    settings.UPLOAD_PREPARE_PROCESSES = 0  # no fork from a process running a browser driver
    pace = Pace()
    store_chunk = processing._store_chunk

    def paced_store_chunk(**kwargs) -> bool:
        stored = store_chunk(**kwargs)
        pace.wait()
        return stored

    monkeypatch.setattr(processing, "_store_chunk", paced_store_chunk)
    with (
        django_db_blocker.unblock(),
        start_worker(app, pool="solo", queues=[QUEUE], perform_ping_check=False),
    ):
        try:
            yield pace
        finally:
            pace.free()  # a failed test must not leave the worker waiting forever


def _file(tmp_path) -> tuple[str, int]:
    rows = [lead_row(n) for n in range(1, 251)]
    # Row numbers count the header: rows[40] is row 42.
    rows[40]["phone"] = "12"  # rejected, in the first chunk
    rows[149] = lead_row(150, phone="12345", email="")  # rejected, in the second
    rows[159] = lead_row(999, phone=rows[0]["phone"], email="again@example.pl")  # a duplicate
    path = tmp_path / "crm-week-48.csv"
    path.write_bytes(csv_bytes(rows))
    return str(path), len(rows)


def test_upload_progress_moves_across_polls_then_shows_the_report(
    page, supplier_a, paced_worker, tmp_path
):
    path, total = _file(tmp_path)

    # given: the file is uploaded and its recognised columns confirmed
    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload leads").click()
    page.get_by_label("File").set_input_files(path)
    page.get_by_label("Segment").select_option("loans")
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Which column holds what?")).to_be_visible()
    page.get_by_role("button", name="Start processing").click()

    progress = page.locator("#upload-progress")
    bar = progress.get_by_role("progressbar", name="Rows processed")
    accepted = progress.locator(".stat-good .stat-value")
    rejected = progress.locator(".stat-bad .stat-value")

    # then: the page follows the worker, chunk by chunk, without being reloaded
    url = page.url
    expect(progress).to_contain_text(f"100 of {total} rows (40%)")
    expect(bar).to_have_attribute("aria-valuenow", "40")
    expect(accepted).to_have_text("99")
    expect(rejected).to_have_text("1")
    upload = Upload.objects.get(supplier=supplier_a.organization)
    assert (upload.status, upload.processed_rows) == (UploadStatus.PROCESSING, 100)

    paced_worker.step()
    expect(progress).to_contain_text(f"200 of {total} rows (80%)")
    expect(bar).to_have_attribute("aria-valuenow", "80")
    expect(accepted).to_have_text("197")
    expect(rejected).to_have_text("2")
    expect(progress.locator(".stat:not(.stat-good):not(.stat-bad) .stat-value")).to_have_text("1")
    assert Upload.objects.get(pk=upload.pk).processed_rows == 200

    paced_worker.step()
    expect(progress).to_contain_text(f"{total} of {total} rows (100%)")
    expect(progress).to_contain_text("Processing")  # every row stored, not yet finished

    paced_worker.step()
    expect(progress.locator(".badge")).to_have_text("Done")
    assert page.url == url

    # the summary: counts, the reasons, and the error report of the rows left out
    expect(accepted).to_have_text("247")
    reasons = progress.get_by_role("table")
    expect(reasons.get_by_role("row", name="Invalid phone")).to_contain_text("2")
    expect(reasons.get_by_role("row", name="Duplicate person")).to_contain_text("1")
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE
    assert (upload.accepted, upload.duplicates, upload.rejected) == (247, 1, 2)
    stored = Lead.objects.filter(supplier=supplier_a.organization)
    assert stored.filter(status=LeadStatus.AVAILABLE).count() == 247

    with page.expect_download() as download_info:
        progress.get_by_role("link", name="Download the error report (CSV)").click()
    download_info.value.save_as(tmp_path / "errors.csv")
    raw = (tmp_path / "errors.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    report = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(line["row"], line["outcome"]) for line in report] == [
        ("42", "invalid"),
        ("151", "invalid"),
        ("161", "duplicate"),
    ]
    assert report[0]["phone"] == "12"
    assert sorted(UploadRowError.objects.values_list("row_number", flat=True)) == [42, 151, 161]
