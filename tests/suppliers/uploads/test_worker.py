"""Uploads on a real Celery worker over Redis and PostgreSQL: end to end through the
API, and a worker process killed (SIGKILL) several times mid-file.

Both use Redis database 15 and a queue of this run's own, so parallel test runs
sharing Redis do not take each other's tasks.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection

from marketplace.celery import app
from marketplace.models import Lead, LeadStatus
from suppliers.uploads.models import Upload, UploadRowError, UploadStatus
from tests.suppliers.uploads.conftest import create, send
from tests.suppliers.uploads.files import csv_bytes, lead_row, pl_phone

REDIS_URL = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")
QUEUE = f"leadmarket-uploads-test-{uuid.uuid4().hex[:12]}"
ROOT = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        message = f"REDIS NOT REACHABLE at {REDIS_URL}: the real-worker upload tests are SKIPPED."
        sys.stderr.write(f"\n{'!' * 78}\n!! {message}\n{'!' * 78}\n")
        pytest.skip(message)


@pytest.fixture
def broker(settings) -> Iterator[None]:
    """Tasks go through Redis to our own queue instead of running in-process."""
    _redis_or_skip()
    settings.UPLOADS_QUEUE = QUEUE
    previous = {
        "task_always_eager": app.conf.task_always_eager,
        "broker_url": app.conf.broker_url,
        "result_backend": app.conf.result_backend,
    }
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL, result_backend=REDIS_URL)
    try:
        yield
    finally:
        app.conf.update(**previous)
        redis.Redis.from_url(REDIS_URL).delete(QUEUE)


def _wait(predicate, *, limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def test_upload_through_the_api_is_processed_by_a_real_worker(
    broker, supplier_a, django_db_blocker
):
    rows = [lead_row(n) for n in range(1, 301)]
    rows[10]["phone"] = "12"  # row 12
    rows[20] = lead_row(999, phone=rows[0]["phone"], email="x@example.pl")  # row 22: a duplicate
    with (
        django_db_blocker.unblock(),
        start_worker(app, pool="solo", queues=[QUEUE], perform_ping_check=False),
    ):
        response = send(supplier_a, csv_bytes(rows))
        assert response.status_code == 202, response.content
        url = response.json()["url"]
        _wait(
            lambda: supplier_a.api().get(url).json()["status"] in ("done", "failed"),
            limit=120,
            what="the worker to finish the upload",
        )

    body = supplier_a.api().get(url).json()
    assert body["status"] == "done"
    assert (body["total_rows"], body["processed_rows"]) == (300, 300)
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (298, 1, 1)
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE).count() == 298
    assert sorted(UploadRowError.objects.values_list("row_number", flat=True)) == [12, 22]


def _worker_env(uploads_dir: Path) -> dict[str, str]:
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings",
        DEBUG="1",
        DATABASE_URL=database_url,  # the test database this test fills
        REDIS_URL=REDIS_URL,
        UPLOADS_DIR=str(uploads_dir),
        UPLOADS_QUEUE=QUEUE,
        UPLOAD_CHUNK_ROWS="500",
        UPLOAD_TASK_SECONDS="3",
        # A killed worker's message is handed out again at the next worker's start.
        CELERY_VISIBILITY_TIMEOUT="2",
        LOG_LEVEL="WARNING",
    )
    return env


def _start_worker(env: dict[str, str], log: Path, *, pool: str = "solo") -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-c", "1",
        "-Q", QUEUE, "-P", pool, "--without-gossip", "--without-mingle",
        "--without-heartbeat", "-l", "WARNING", "-n", f"crash-{uuid.uuid4().hex[:6]}@%h",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def _crash_file(total: int) -> tuple[bytes, dict[str, int]]:
    """``total`` rows: every 97th an invalid phone, every 89th the same person as an
    earlier row (a duplicate), every third without external_id (derived ones)."""
    rows = []
    expected = {"accepted": 0, "duplicates": 0, "rejected": 0}
    for n in range(1, total + 1):
        if n % 97 == 0:
            row = lead_row(n, phone="12345", email="")
            expected["rejected"] += 1
        elif n % 89 == 0:
            earlier = n - 1 if (n - 1) % 97 else n - 2  # an accepted row, not an invalid one
            row = lead_row(n, phone=pl_phone(earlier), email=f"dup{n}@example.pl")
            expected["duplicates"] += 1
        else:
            row = lead_row(n)
            expected["accepted"] += 1
        if n % 3 == 0:
            row["external_id"] = ""
        rows.append(row)
    return csv_bytes(rows), expected


def test_killed_worker_resumes_without_losing_or_repeating_a_row(
    broker, supplier_a, uploads_dir, tmp_path
):
    total = 20_000
    content, expected = _crash_file(total)
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1_000_000)))
    rng = random.Random(seed)
    kill_points = sorted(rng.sample(range(500, total - 2000), 4))
    sys.stderr.write(f"crash test seed={seed} kill points={kill_points}\n")

    upload = create(supplier_a, content)  # queued: its task waits in our queue
    env = _worker_env(uploads_dir)
    log = tmp_path / "worker.log"
    kills = 0

    def processed() -> int:
        return Upload.objects.values_list("processed_rows", flat=True).get(pk=upload.pk)

    try:
        for point in kill_points:
            worker = _start_worker(env, log)
            try:
                _wait(lambda p=point: processed() >= p, limit=240, what=f"row {point}")
            finally:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
            kills += 1
            time.sleep(2.5)  # past the visibility timeout: the next worker takes it back
        worker = _start_worker(env, log)
        try:
            _wait(
                lambda: (
                    Upload.objects.get(pk=upload.pk).status != UploadStatus.PROCESSING
                    and Upload.objects.get(pk=upload.pk).status != UploadStatus.QUEUED
                ),
                limit=300,
                what="the upload to finish after the kills",
            )
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    except AssertionError:
        sys.stderr.write(log.read_text(errors="replace")[-5000:])
        raise

    upload.refresh_from_db()
    assert kills == 4
    assert_crash_file_stored(upload, total=total, expected=expected)


def assert_crash_file_stored(upload: Upload, *, total: int, expected: dict[str, int]) -> None:
    """A ``_crash_file`` upload ended with exactly its rows: none lost, none twice."""
    assert upload.status == UploadStatus.DONE, upload.failure_reason
    assert (upload.total_rows, upload.processed_rows, upload.last_row) == (total, total, total + 1)
    assert upload.accepted == expected["accepted"]
    assert upload.duplicates == expected["duplicates"]
    assert upload.rejected == expected["rejected"]

    leads = Lead.objects.filter(supplier=upload.supplier)
    available = leads.filter(status=LeadStatus.AVAILABLE)
    assert available.count() == expected["accepted"]
    # the duplicates are stored as rejected leads, the invalid rows not at all
    assert leads.count() == expected["accepted"] + expected["duplicates"]
    phones = list(available.values_list("phone_index", flat=True))
    assert len(phones) == len(set(phones))
    derived = leads.filter(external_id__startswith=f"upload-{upload.pk}-row-").count()
    assert derived == sum(1 for n in range(1, total + 1) if n % 3 == 0 and n % 97 != 0)
    numbers = list(
        UploadRowError.objects.filter(upload=upload).values_list("row_number", flat=True)
    )
    assert len(numbers) == len(set(numbers)) == expected["duplicates"] + expected["rejected"]
    assert set(numbers) == {n + 1 for n in range(1, total + 1) if n % 97 == 0 or n % 89 == 0}


def test_a_prefork_worker_prepares_chunks_in_forked_children(
    broker, supplier_a, uploads_dir, tmp_path
):
    # Celery's default pool runs tasks in daemonic processes (multiprocessing refuses
    # them children): the preparing children are plain forks, and must work there.
    rows = [lead_row(n) for n in range(1, 2001)]
    rows[99]["phone"] = "12"  # row 101
    upload = create(supplier_a, csv_bytes(rows))
    env = _worker_env(uploads_dir) | {"UPLOAD_PREPARE_PROCESSES": "2", "UPLOAD_TASK_SECONDS": "60"}
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log, pool="prefork")
    try:
        _wait(
            lambda: Upload.objects.get(pk=upload.pk).status == UploadStatus.DONE,
            limit=240,
            what="the prefork worker to finish the upload",
        )
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    upload.refresh_from_db()
    assert (upload.processed_rows, upload.accepted, upload.rejected) == (2000, 1999, 1)
    assert Lead.objects.filter(supplier=supplier_a.organization).count() == 1999
    assert "preparing process was lost" not in log.read_text(errors="replace")
