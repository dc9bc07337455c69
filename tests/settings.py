"""Test settings: the real settings module, with fast hashing and captured email."""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")

from marketplace.settings import *  # noqa: F403
from marketplace.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Eager tasks run inside the call that queues them; a test of the background thread
# turns this on.
UPLOADS_IN_THREAD = False
CELERY_BROKER_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
API_RATE_LIMIT = "100000/min"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_leadmarket")}
