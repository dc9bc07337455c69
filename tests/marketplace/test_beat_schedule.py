"""Every entry of the beat schedule names a task a worker registers and has only the
keys Celery beat reads: an entry nested inside another one, or a misspelt task name,
would otherwise be skipped silently at run time."""

from __future__ import annotations

import numbers
from datetime import timedelta

import pytest
from celery.schedules import BaseSchedule
from django.conf import settings

from marketplace.celery import app

# What celery.beat.ScheduleEntry takes from a schedule dict (besides the entry's name).
KNOWN_KEYS = {"task", "schedule", "args", "kwargs", "options", "relative"}
ENTRIES = sorted(settings.CELERY_BEAT_SCHEDULE.items())


@pytest.fixture(scope="module")
def registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker does on start: autodiscovery
    return set(app.tasks)


def test_the_schedule_has_entries():
    assert ENTRIES, "CELERY_BEAT_SCHEDULE is empty"


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[name for name, _ in ENTRIES])
def test_each_entry_has_only_known_keys(name, entry):
    assert isinstance(entry, dict), f"{name} is not a dict"
    assert set(entry) <= KNOWN_KEYS, f"{name} has unknown keys {sorted(set(entry) - KNOWN_KEYS)}"
    assert {"task", "schedule"} <= set(entry), f"{name} needs a task and a schedule"


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[name for name, _ in ENTRIES])
def test_each_entry_names_a_registered_task(registered, name, entry):
    assert isinstance(entry.get("task"), str), f"{name} has no task name"
    assert entry["task"] in registered, f"{name}: no task {entry['task']!r} is registered"


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[name for name, _ in ENTRIES])
def test_each_entry_has_a_usable_schedule_and_arguments(name, entry):
    schedule = entry.get("schedule")
    if isinstance(schedule, timedelta):
        assert schedule.total_seconds() > 0, name
    elif isinstance(schedule, numbers.Real) and not isinstance(schedule, bool):
        assert schedule > 0, name
    else:
        assert isinstance(schedule, BaseSchedule), f"{name}: {schedule!r} is not a schedule"
    assert isinstance(entry.get("args", ()), (list, tuple)), name
    assert isinstance(entry.get("kwargs", {}), dict), name
    assert isinstance(entry.get("options", {}), dict), name


def test_each_task_is_scheduled_once():
    tasks = [entry.get("task") for _, entry in ENTRIES]
    assert len(tasks) == len(set(tasks)), "a task is scheduled twice"
