"""Profile lead intake in-process with pyinstrument (``pip install pyinstrument``).

    .venv/bin/python bench/profile_intake.py [--leads 300] [--batch 1000]
    .venv/bin/python bench/profile_intake.py --upload 10000 [--profile]

Uses its own PostgreSQL database (``leadmarket_profile``, recreated each run)
with production-like settings, then profiles (a) ``lead_submit`` one lead at a
time through the API view via Django's test client and (b) one batch request.
Prints pyinstrument's text reports and an SQL count per lead.

``--upload N``: instead, the upload's two halves on N rows of ``bench/ingest.py``'s
file, in this one process (no pipeline, no worker): preparing (``prepare_chunk``:
reading excluded, mapping, validation, the COPY text) as CPU seconds per 10,000
rows, best of three; then judging and storing each chunk (``lead_submit_prepared``)
with this process's CPU, the database backend's CPU (from /proc) and the time of
each kind of statement. ``--profile`` adds cProfile's top functions of preparing.
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
    parser.add_argument("--upload", type=int, default=0, help="rows: profile an upload instead")
    parser.add_argument("--profile", action="store_true", help="with --upload: cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN)")
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
        if args.upload:
            profile_upload(args.upload, with_profile=args.profile)
            return 0
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
        if not args.keep:
            drop_database(admin_url, args.database)
    return 0


def profile_upload(rows: int, *, with_profile: bool) -> None:
    import cProfile
    import pstats
    import tempfile
    from types import SimpleNamespace

    from django.db import connection, transaction
    from ingest import generate
    from intake import _cpu_seconds

    from marketplace.models import Organization, Segment
    from suppliers.services import lead_submit_prepared
    from suppliers.uploads import mapping, processing, reading
    from suppliers.uploads.statistics import LeadStatistics

    path = Path(tempfile.mkdtemp(prefix="profile-upload-")) / "leads.csv"
    generate(path, rows)
    info = reading.inspect(path, max_rows=rows + 1, max_expanded_bytes=1 << 30)
    segment = Segment.objects.get(slug="loans")
    plan = mapping.build_plan(
        segment=segment,
        mapped=mapping.auto_map(info.headers, segment=segment),
        width=len(info.headers),
    )
    supplier = Organization.objects.get(name="P")  # create_org's, above
    upload = SimpleNamespace(pk="profile", supplier_id=supplier.pk)  # all prepare_chunk reads
    segments = {segment.slug: segment}
    chunks = list(processing._batched(reading.data_rows(path, info, after=0), 1000))
    per = 10_000 / rows

    def prepare() -> list:
        return [
            processing.prepare_chunk(chunk, plan=plan, segments=segments, upload=upload)
            for chunk in chunks
        ]

    prepare()  # warm: metadata, compiled patterns
    seconds = []
    for _ in range(3):
        started = time.process_time()
        prepared = prepare()
        seconds.append(time.process_time() - started)
    print(f"preparing: {min(seconds) * per:.3f} s CPU per 10,000 rows (best of 3: "
          + ", ".join(f"{s * per:.3f}" for s in seconds) + ")")  # fmt: skip
    if with_profile:
        profiler = cProfile.Profile()
        profiler.enable()
        prepare()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    connection.force_debug_cursor = True  # record every statement's time
    connection.queries_log.clear()
    statistics = LeadStatistics()  # as upload_process: ANALYZE between chunks when due
    backend_before, started = _cpu_seconds(backend), time.process_time()
    for chunk in prepared:
        with transaction.atomic():
            lead_submit_prepared(
                supplier=supplier,
                prepared=[item for _n, _c, item in chunk.leads],
                segments=segments,
                now=chunk.now,
            )
        statistics.chunk_stored(len(chunk.leads))
    python, database = time.process_time() - started, _cpu_seconds(backend) - backend_before
    print(
        f"judging and storing: {python * per:.3f} s CPU per 10,000 rows in Python,"
        f" {database * per:.3f} s in the database backend"
    )
    kinds: dict[str, list[float]] = {}
    for query in connection.queries_log:
        # The look-up's "SET LOCAL …; SELECT …" counts as its SELECT.
        words = (
            query["sql"].split("; ", 1)[-1].split()
            if query["sql"].startswith("SET ")
            else query["sql"].split()
        )
        kind = " ".join(words[:2]) if words[0] in ("COPY", "SELECT") else words[0]
        kinds.setdefault(kind[:40], []).append(float(query["time"]))
    for kind, times in sorted(kinds.items(), key=lambda item: -sum(item[1])):
        middle = sorted(times)[len(times) // 2]
        print(
            f"  {kind:40} {len(times):5d} statements, {sum(times) * per:.3f} s per 10,000 rows"
            f" (median {middle * 1000:.1f} ms, max {max(times) * 1000:.1f} ms)"
        )


if __name__ == "__main__":
    sys.exit(main())
