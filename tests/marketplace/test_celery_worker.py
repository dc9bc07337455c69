"""Periodic tasks run by a real Celery worker over Redis, not in-process."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.conf import settings
from django.utils import timezone

from marketplace.celery import app
from marketplace.models import IdempotencyRecord
from marketplace.tasks import purge_idempotency_records

REDIS_URL = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")
# A queue of this run's own: another test run sharing the Redis database must
# not take our tasks (its worker would run them against its own database).
QUEUE = f"leadmarket-test-{uuid.uuid4().hex[:12]}"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def celery_worker(django_db_blocker) -> Iterator[object]:
    if not _redis_answers():
        message = f"REDIS NOT REACHABLE at {REDIS_URL}: the real-worker Celery test is SKIPPED."
        sys.stderr.write(f"\n{'!' * 78}\n!! {message}\n{'!' * 78}\n")
        pytest.skip(message)
    import celery.contrib.testing.tasks  # noqa: F401  (the worker's ping check needs it)

    previous = {
        "task_always_eager": app.conf.task_always_eager,
        "broker_url": app.conf.broker_url,
        "result_backend": app.conf.result_backend,
    }
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL, result_backend=REDIS_URL)
    # The worker runs Django's system checks and opens its own connection: both touch the DB.
    with django_db_blocker.unblock():
        try:
            with start_worker(
                app,
                pool="solo",
                perform_ping_check=True,
                queues=[app.conf.task_default_queue, QUEUE],
            ) as worker:
                yield worker
        finally:
            app.conf.update(**previous)


def _record(key: str, *, age: timedelta) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        scope="key:test",
        key=key,
        method="POST",
        path="/api/v1/leads/",
        body_hash="0" * 64,
        status_code=201,
        created_at=timezone.now() - age,
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_purges_expired_idempotency_records(celery_worker):
    # given: one answer older than the TTL and one still fresh
    ttl = timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    expired = _record("expired", age=ttl + timedelta(minutes=5))
    fresh = _record("fresh", age=timedelta(minutes=5))

    # when: the task goes through the broker to the worker
    result = purge_idempotency_records.apply_async(queue=QUEUE)
    purged = result.get(timeout=30)

    # then: the worker ran it (an answer through Redis, not in-process) and the old row is gone
    assert not isinstance(result, EagerResult)
    assert result.state == "SUCCESS"
    assert purged == 1
    assert not IdempotencyRecord.objects.filter(pk=expired.pk).exists()
    assert IdempotencyRecord.objects.filter(pk=fresh.pk).exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_purge_is_safe_to_run_twice(celery_worker):
    _record("expired", age=timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))

    first = purge_idempotency_records.apply_async(queue=QUEUE).get(timeout=30)
    second = purge_idempotency_records.apply_async(queue=QUEUE).get(timeout=30)

    assert (first, second) == (1, 0)
    assert not IdempotencyRecord.objects.exists()


def test_purge_is_scheduled_hourly_in_beat():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "marketplace.tasks.purge_idempotency_records"
    ]

    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    seconds = schedule.total_seconds() if isinstance(schedule, timedelta) else float(schedule)
    assert seconds == 3600
    assert "marketplace.tasks.purge_idempotency_records" in app.tasks
