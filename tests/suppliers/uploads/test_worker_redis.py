"""A real Celery worker whose Redis connections are cut mid-upload, again and again
(``CLIENT KILL ID`` on every connection the worker process holds): the worker
reconnects, or the broker hands the unacknowledged task out again, and the upload
ends with exactly the file's rows, none twice.

Only the worker's own connections are cut (found through /proc), so other test
runs sharing the Redis server keep theirs.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
import redis

from suppliers.uploads.models import Upload, UploadStatus
from tests.suppliers.uploads.conftest import create
from tests.suppliers.uploads.test_worker import (  # noqa: F401  (broker is a fixture)
    REDIS_URL,
    _crash_file,
    _start_worker,
    _wait,
    _worker_env,
    assert_crash_file_stored,
    broker,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc"),
]


def _local_ports(pid: int, remote_port: int) -> set[int]:
    """Local ports of the TCP connections process ``pid`` holds to ``remote_port``."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == remote_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def _live(client: redis.Redis, pid: int) -> bool:
    port = client.connection_pool.connection_kwargs.get("port", 6379)
    ports = _local_ports(pid, port)
    return any(int(str(c["addr"]).rsplit(":", 1)[1]) in ports for c in client.client_list())


def _cut_connections(client: redis.Redis, pid: int) -> int:
    """Kill every Redis connection of process ``pid``; how many were killed."""
    port = client.connection_pool.connection_kwargs.get("port", 6379)
    ports = _local_ports(pid, port)
    killed = 0
    for entry in client.client_list():
        if int(str(entry["addr"]).rsplit(":", 1)[1]) in ports:
            killed += client.client_kill_filter(_id=entry["id"])
    return killed


def test_upload_survives_the_workers_redis_connections_being_cut(
    broker,  # noqa: F811
    supplier_a,
    uploads_dir,
    tmp_path,
):
    # Runs of one second (the shortest budget) over a file prepared in the worker alone:
    # a dozen runs or more, so a dozen reconnections to cut, even on a quick machine.
    total = 20_000
    content, expected = _crash_file(total)
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1_000_000)))
    cut_points = sorted(random.Random(seed).sample(range(500, total - 1500), 6))
    sys.stderr.write(f"redis cut test seed={seed} cut points={cut_points}\n")

    upload = create(supplier_a, content)
    admin = redis.Redis.from_url(REDIS_URL)
    log = tmp_path / "worker.log"
    env = _worker_env(uploads_dir) | {"UPLOAD_TASK_SECONDS": "1", "UPLOAD_PREPARE_PROCESSES": "0"}
    worker = _start_worker(env, log)
    cuts = 0

    def processed() -> int:
        return Upload.objects.values_list("processed_rows", flat=True).get(pk=upload.pk)

    def finished() -> bool:
        status = Upload.objects.values_list("status", flat=True).get(pk=upload.pk)
        return status not in (UploadStatus.QUEUED, UploadStatus.PROCESSING)

    try:
        for point in cut_points:
            # A worker busy with a task notices a cut connection only when the task ends:
            # cut again once it holds live ones (it reconnected), at or past the point.
            _wait(
                lambda p=point: finished() or (processed() >= p and _live(admin, worker.pid)),
                limit=240,
                what=f"row {point} with the worker connected",
            )
            if finished():
                break
            cuts += _cut_connections(admin, worker.pid) > 0
        _wait(finished, limit=300, what="the upload to finish after the cuts")
        assert worker.poll() is None, "the worker exited after losing Redis"
    except AssertionError:
        sys.stderr.write(log.read_text(errors="replace")[-5000:])
        raise
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    upload.refresh_from_db()
    assert cuts >= 3, f"the upload finished after {cuts} cuts; the file is too small to test"
    assert_crash_file_stored(upload, total=total, expected=expected)


def test_settings_keep_upload_tasks_through_a_lost_broker(settings):
    from marketplace.celery import app

    task = app.tasks["suppliers.uploads.tasks.process_upload"]
    # acknowledged after the run, handed out again when the worker or its connection goes
    assert task.acks_late
    assert task.reject_on_worker_lost
    assert app.conf.broker_connection_retry_on_startup is True
    assert app.conf.broker_connection_max_retries is None
    # a running upload goes on after a cut (its chunks commit); the redelivery is harmless
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is False
    # a run ends (and hands over) well before its message would be handed out again
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility >= 5 * settings.UPLOAD_TASK_SECONDS
    # a message lost altogether: the beat task gives the upload a new one
    beat = settings.CELERY_BEAT_SCHEDULE["suppliers-resume-stalled-uploads"]
    assert beat["task"] == "suppliers.uploads.tasks.resume_stalled_uploads"
    assert beat["schedule"] <= settings.UPLOAD_STALE_SECONDS
