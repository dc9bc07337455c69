"""A benchmark's own database on the local PostgreSQL server, and Django set up on it.

Shared by the benchmarks: each drops and recreates its database, migrates it
with ``manage.py migrate`` in a subprocess, and refuses any server but 127.0.0.1.

Django runs with ``DEBUG=1`` (development keys, every query recorded) unless a
benchmark asks for ``production=True``: ``DEBUG=0`` with the variables the settings
require then, fixed benchmark values (the same in every process of a run, so rows
one process encrypts another decrypts; a kept database built with the development
keys, as ``bench/catalog.py``'s, stays on ``DEBUG=1``).
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def check_local(server: str, script: str) -> None:
    host = urlsplit(server).hostname
    if host not in ("127.0.0.1", "localhost"):
        sys.exit(f"{script} runs against 127.0.0.1 only, not {host!r}")


def _bench_secret(label: str) -> str:
    return base64.urlsafe_b64encode(
        hashlib.sha256(f"leadmarket-bench:{label}".encode()).digest()
    ).decode()


def django_env(*, production: bool = False) -> dict[str, str]:
    """The variables Django runs with in a benchmark: ``DEBUG=1``, or ``DEBUG=0`` with
    fixed benchmark keys (``production``), as a deployment would run."""
    if not production:
        return {"DEBUG": "1", "REDIS_URL": ""}
    return {
        "DEBUG": "0",
        "REDIS_URL": "",
        "SECRET_KEY": _bench_secret("secret-key"),
        "FIELD_ENCRYPTION_KEYS": _bench_secret("field-key"),
        "BLIND_INDEX_KEY": _bench_secret("blind-index"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "SECURE_SSL_REDIRECT": "0",
    }


def recreate_database(server: str, name: str, *, production: bool = False) -> str:
    """Drop and create ``name``, migrate it; returns its URL."""
    import psycopg2

    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    url = database_url(server, name)
    env = {**os.environ, "DATABASE_URL": url, **django_env(production=production)}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
        check=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    return url


def django_setup(url: str, *, production: bool = False) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.update(django_env(production=production))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def add_worker_arguments(parser, *, per_worker: str, default: int) -> None:
    """``--smoke``, ``--workers``, ``--<per_worker>`` and ``--server``, as every
    multi-process benchmark takes them."""
    parser.add_argument("--smoke", action="store_true", help="a tiny run")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        f"--{per_worker}", type=int, default=default, help=f"{per_worker} per worker"
    )
    parser.add_argument(
        "--server",
        default=DEFAULT_SERVER,
        help="an admin connection to the local PostgreSQL server",
    )


def machine_line() -> str:
    import platform

    return (
        f"machine: {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
        f" · load {os.getloadavg()[0]:.2f}"
    )
