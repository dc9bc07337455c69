"""Leadmarket settings: one module, driven by the environment.

Development (``DEBUG=1``) works with no other variable: SQLite, in-process
tasks, a local-memory cache and fixed development keys. With ``DEBUG=0``
every secret must be given; a missing one stops start-up with a message that
names it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from marketplace.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)


def _dev_secret(label: str) -> str:
    """A fixed, public development value: never valid with DEBUG=0."""
    return base64.urlsafe_b64encode(
        hashlib.sha256(f"leadmarket-dev:{label}".encode()).digest()
    ).decode()


_REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "ALLOWED_HOSTS",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
)
if not DEBUG:
    _missing = [name for name in _REQUIRED_IN_PRODUCTION if not env_str(name)]
    if _missing:
        raise ImproperlyConfigured(
            "Leadmarket cannot start with DEBUG=0: missing "
            + ", ".join(_missing)
            + ". Set them in the environment (see README, 'Configuration'), "
            "or run with DEBUG=1 for local development."
        )

SECRET_KEY = env_str("SECRET_KEY") or _dev_secret("secret-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- personal data -------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS") or [_dev_secret("field-key")]
# HMAC key of the blind indexes used for dedup and look-ups.
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY") or _dev_secret("blind-index")

# --- money ----------------------------------------------------------------
CURRENCY = env_str("CURRENCY", "USD").upper()
if len(CURRENCY) != 3 or not CURRENCY.isalpha():
    raise ImproperlyConfigured(f"CURRENCY must be an ISO 4217 code such as USD, got {CURRENCY!r}.")
PLATFORM_COMMISSION_PERCENT = env_int("PLATFORM_COMMISSION_PERCENT", 20, minimum=0, maximum=100)

# --- Stripe ---------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
# Wallet top-ups through Stripe Checkout, in cents of CURRENCY.
TOPUP_MIN_CENTS = env_int("TOPUP_MIN_CENTS", 1_00, minimum=1)
TOPUP_MAX_CENTS = env_int("TOPUP_MAX_CENTS", 50_000_00, minimum=1)
# Seconds to wait for Stripe's answer before telling the buyer it is unreachable.
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 20, minimum=1, maximum=120)
# How far back reconciliation looks for paid Checkout Sessions (Stripe retries for 3 days).
STRIPE_RECONCILE_DAYS = env_int("STRIPE_RECONCILE_DAYS", 3, minimum=1, maximum=30)

# --- applications ---------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "pgtrigger",
    "marketplace",
    "suppliers",
    "buyers",
    "billing",
    "quality",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "marketplace.api.middleware.ApiGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketplace.middleware.CurrentOrganizationMiddleware",
    "marketplace.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
AUTH_USER_MODEL = "marketplace.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "marketplace.context_processors.organization",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 60, minimum=0)
    )
}
# Behind a transaction-pooling proxy (PgBouncer's pool_mode=transaction) nothing of a
# server session outlives a transaction: no server-side cursors, no prepared statements
# (marketplace.sql.execute_prepared sends the statement itself instead).
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
if DATABASE_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; wait instead of failing under the dev server.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

# --- cache, tasks ---------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis, tasks run in-process so the demo needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A lost broker connection (Redis restarted, a network cut) never stops a worker: it
# reconnects, at start too, for as long as it takes. A task running meanwhile goes on
# (uploads commit chunk by chunk); its message, which it can no longer acknowledge, is
# handed out again and resumes from the checkpoint (tests/suppliers/uploads/).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A task taken by a worker that died (SIGKILL, lost host) is handed out again once
# this many seconds have passed without its acknowledgement (Redis broker).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900, minimum=1)
}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "purge-idempotency-records": {
        "task": "marketplace.tasks.purge_idempotency_records",
        "schedule": 60 * 60,
    },
    "marketplace-expire-stale-leads": {
        "task": "marketplace.tasks.expire_stale_leads",
        "schedule": 15 * 60,
    },
    "marketplace-sync-catalog-attribute-indexes": {
        "task": "marketplace.tasks.sync_catalog_attribute_indexes",
        "schedule": 15 * 60,
    },
    "billing-release-due-holds": {
        "task": "billing.tasks.release_due_holds",
        "schedule": 15 * 60,
    },
    "billing-retry-payout-transfers": {
        "task": "billing.tasks.retry_payout_transfers",
        "schedule": 15 * 60,
    },
    "buyers-expire-cpa-actions": {
        "task": "buyers.tasks.expire_cpa_actions",
        "schedule": 15 * 60,
    },
    "suppliers-resume-stalled-uploads": {
        "task": "suppliers.uploads.tasks.resume_stalled_uploads",
        "schedule": 5 * 60,
    },
    "billing-reconcile-stripe-topups": {
        "task": "billing.tasks.reconcile_stripe_topups",
        "schedule": 60 * 60,
    },
}

# --- quality: returns, disputes, supplier rating and enforcement -------------------
# The supplier answers a return within this many hours, else it is accepted.
QUALITY_RETURN_RESPOND_HOURS = env_int("QUALITY_RETURN_RESPOND_HOURS", 48, minimum=1)
# A buyer's returns per supplier in a month above this share of its purchases from that
# supplier go to a moderator instead of being accepted automatically.
QUALITY_RETURN_CAP_PERCENT = env_int("QUALITY_RETURN_CAP_PERCENT", 20, minimum=0, maximum=100)
# The buyer's record (quality/buyer_record.py): its unanswered returns go to a moderator
# when moderators rejected more than this share of its decided returns (with enough of
# them), or its return rate in the segment is above this percent of the other buyers'.
QUALITY_BUYER_REJECTED_PERCENT = env_int(
    "QUALITY_BUYER_REJECTED_PERCENT", 25, minimum=0, maximum=100
)
QUALITY_BUYER_MIN_DECIDED_RETURNS = env_int("QUALITY_BUYER_MIN_DECIDED_RETURNS", 10, minimum=1)
QUALITY_BUYER_RETURN_RATE_LIMIT_PERCENT = env_int(
    "QUALITY_BUYER_RETURN_RATE_LIMIT_PERCENT", 200, minimum=100
)
QUALITY_BUYER_MIN_PURCHASES = env_int("QUALITY_BUYER_MIN_PURCHASES", 20, minimum=1)
QUALITY_RETURN_COMMENT_MAX_CHARS = 2000
QUALITY_EVIDENCE_MAX_BYTES = env_int("QUALITY_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Rating: pseudo-sales of the segment average a new supplier starts with (shrinkage).
QUALITY_RATING_PRIOR_WEIGHT = env_int("QUALITY_RATING_PRIOR_WEIGHT", 30, minimum=1)
QUALITY_RATING_WINDOW_DAYS = env_int("QUALITY_RATING_WINDOW_DAYS", 180, minimum=1)
# Enforcement: flag below a score or above a return rate (with enough sales to judge);
# hold new leads for review below the lower score.
QUALITY_FLAG_SCORE = env_int("QUALITY_FLAG_SCORE", 40, minimum=0, maximum=100)
QUALITY_FLAG_RETURN_RATE_PERCENT = env_int(
    "QUALITY_FLAG_RETURN_RATE_PERCENT", 30, minimum=0, maximum=100
)
QUALITY_HOLD_SCORE = env_int("QUALITY_HOLD_SCORE", 25, minimum=0, maximum=100)
QUALITY_ENFORCE_MIN_SALES = env_int("QUALITY_ENFORCE_MIN_SALES", 20, minimum=0)
CELERY_BEAT_SCHEDULE.update(
    {
        "quality-accept-unanswered-returns": {
            "task": "quality.tasks.accept_unanswered_returns",
            "schedule": 5 * 60,
        },
        "quality-recompute-changed-ratings": {
            "task": "quality.tasks.recompute_changed_ratings",
            "schedule": 5 * 60,
        },
        "quality-recompute-all-ratings": {
            "task": "quality.tasks.recompute_all_ratings",
            "schedule": crontab(hour=2, minute=30),
        },
    }
)

# --- accounts ---------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Leadmarket] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_ADAPTER = "marketplace.accounts.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Leadmarket"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

# --- email ------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Leadmarket <no-reply@leadmarket.local>")

# --- API ------------------------------------------------------------------------
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "6000/min")
API_BATCH_MAX_LEADS = 1000
IDEMPOTENCY_TTL_HOURS = 24

# --- lead uploads (CSV/XLSX) ----------------------------------------------------
# Stored under random names; the original file name is display text only.
UPLOADS_DIR = Path(
    env_str("UPLOADS_DIR") or Path(env_str("MEDIA_ROOT") or BASE_DIR / "media") / "uploads"
)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 1_000_000, minimum=1)
# An XLSX (a zip) whose members would expand past this is refused unopened (zip bombs).
UPLOAD_MAX_EXPANDED_BYTES = env_int("UPLOAD_MAX_EXPANDED_BYTES", 1024 * 1024 * 1024, minimum=1024)
UPLOAD_CHUNK_ROWS = env_int("UPLOAD_CHUNK_ROWS", 1000, minimum=1, maximum=10_000)
# Forked children of a worker that prepare (validate, encrypt) the next chunks while
# it stores one; 0: the worker does it all. By default one core of those this process
# may run on (a container's CPU set, not the host's count) is left to the storing
# worker and its database (on 2 cores one child: 8,400-9,100 rows/s against
# 7,000-8,100 with two, docs/performance.md).
_USABLE_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
UPLOAD_PREPARE_PROCESSES = env_int(
    "UPLOAD_PREPARE_PROCESSES",
    max(1, (_USABLE_CORES or os.cpu_count() or 2) - 1),
    minimum=0,
    maximum=16,
)
# Between an upload's chunks, the lead table is analysed (PostgreSQL) when more of its
# rows changed since its last ANALYZE than both of these: the duplicate look-up's plan
# needs statistics of the table as it is, not as it was before the upload. Checked
# every UPLOAD_ANALYZE_EVERY_CHUNKS chunks (two catalog values).
UPLOAD_ANALYZE_MIN_ROWS = env_int("UPLOAD_ANALYZE_MIN_ROWS", 10_000, minimum=0)
UPLOAD_ANALYZE_PERCENT = env_int("UPLOAD_ANALYZE_PERCENT", 20, minimum=0)
UPLOAD_ANALYZE_EVERY_CHUNKS = env_int("UPLOAD_ANALYZE_EVERY_CHUNKS", 5, minimum=1)
# Without a broker (no REDIS_URL: tasks run in-process, `make demo`), an upload is
# processed in a thread of the web process after the request, not inside it.
UPLOADS_IN_THREAD = CELERY_TASK_ALWAYS_EAGER
# Uploads of one supplier processed at the same time; the others wait their turn.
UPLOADS_PER_SUPPLIER = env_int("UPLOADS_PER_SUPPLIER", 1, minimum=1)
# One task run works this long, then hands over to a fresh task (fair to other
# suppliers; short enough for the broker's visibility timeout).
UPLOAD_TASK_SECONDS = env_int("UPLOAD_TASK_SECONDS", 60, minimum=1)
# A processing upload whose checkpoint has not moved for this long lost its task.
UPLOAD_STALE_SECONDS = env_int("UPLOAD_STALE_SECONDS", 600, minimum=10)
# The Celery queue of upload tasks (empty: the default queue).
UPLOADS_QUEUE = env_str("UPLOADS_QUEUE")
# Routes that accept bodies larger than API_MAX_BODY_BYTES (multipart overhead included).
API_LARGE_BODY_PATHS = {"/api/v1/uploads/": UPLOAD_MAX_BYTES + 1024 * 1024}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.api.authentication.ApiKeyAuthentication",
        "marketplace.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["marketplace.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["marketplace.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": API_RATE_LIMIT},
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "marketplace.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Leadmarket API",
    "DESCRIPTION": "Send, browse and buy leads. See the contract in API.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Schema completeness is not a deployment risk; its warnings would drown
    # the security findings of `check --deploy`. Check it with
    # `manage.py spectacular --validate --fail-on-warn` instead.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # Leads and sales both have a "status": one name per choice set.
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "marketplace.models.leads.LeadStatus",
        "SaleStatusEnum": "marketplace.models.sales.SaleStatus",
        "BillingModelEnum": "marketplace.models.sales.BillingModel",
    },
}

# The catalog's indexes carry INCLUDE columns (index-only counts on PostgreSQL);
# SQLite, for the demo, builds them without: nothing to warn about.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- i18n, static -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("ro", "Română"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from npm (package.json; `make install` runs `npm ci`) and are
# served from node_modules under vendor/: nothing third-party is copied into the repository.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")

# --- security -------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- logging: never personal data -------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "stream": sys.stderr}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
