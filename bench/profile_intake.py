"""Profile lead intake in-process with pyinstrument (``pip install pyinstrument``).

    .venv/bin/python bench/profile_intake.py [--leads 300] [--batch 1000]

Uses its own PostgreSQL database (``leadmarket_profile``, recreated each run)
with production-like settings, then profiles (a) ``lead_submit`` one lead at a
time through the API view via Django's test client and (b) one batch request.
Prints pyinstrument's text reports and an SQL count per lead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from intake import (  # noqa: E402  (bench/ is not a package)
    DEFAULT_ADMIN_URL,
    database_url,
    drop_database,
    lead,
    manage,
    production_env,
    recreate_database,
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database", default="leadmarket_profile")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    recreate_database(admin_url, args.database)
    env = production_env(database_url(admin_url, args.database))
    try:
        manage(env, "migrate", "--no-input")
        org = manage(env, "create_org", "--kind", "supplier", "--name", "P", "--owner", "p@p.io")
        key = manage(env, "create_api_key", "--org", org, "--name", "profile")
        os.environ.update(env)
        os.environ["LOG_LEVEL"] = "WARNING"  # keep the reports readable

        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from pyinstrument import Profiler

        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")

        def send(path: str, body: object) -> int:
            import json

            response = client.post(
                path, json.dumps(body), content_type="application/json", secure=False
            )
            return response.status_code

        assert send("/api/v1/leads/", lead(999_999, prefix="warm")) == 201

        profiler = Profiler(interval=0.0005)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            profiler.start()
            for number in range(args.leads):
                assert send("/api/v1/leads/", lead(number, prefix="single")) == 201
            profiler.stop()
            elapsed = time.perf_counter() - started
        print(
            f"single: {args.leads} leads, {elapsed / args.leads * 1000:.1f} ms a lead in-process,"
            f" {len(queries) / args.leads:.1f} SQL statements a lead"
        )
        print(profiler.output_text(unicode=False, color=False, show_all=False))

        body = {
            "leads": [lead(n, prefix="batch") for n in range(args.leads, args.leads + args.batch)]
        }
        profiler = Profiler(interval=0.0005)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            profiler.start()
            assert send("/api/v1/leads/batch/", body) == 200
            profiler.stop()
            elapsed = time.perf_counter() - started
        print(f"batch: {args.batch} leads in {elapsed:.2f} s, {len(queries)} SQL statements in all")
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
