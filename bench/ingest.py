"""Bulk upload benchmark: a realistic file, end to end through the API and a real
Celery worker over Redis, against two baselines on the same data and database.

    .venv/bin/python bench/ingest.py            # 100,000 rows (docs/performance.md)
    .venv/bin/python bench/ingest.py --smoke    # seconds; exits 0 if every row was judged right

It drops and recreates its own database, migrates it, creates suppliers and an
API key with the project's commands, starts gunicorn and one Celery worker
(solo pool: one process, whose peak memory is read from /proc) with production
settings, and measures on one generated file:

(e2e) ``POST /api/v1/uploads/`` → status ``done``: rows/s with full validation,
      normalization, dedup, encryption and the error report, worker peak memory
      (and that of the child the worker forks to prepare chunks, sampled while it
      runs; its CPU is counted with the worker's, as the worker reaps it);
(a)   django-import-export's standard ``import_data`` of the same rows into the
      same ``Lead`` model (create-only, and keyed on supplier + external_id for
      dedup) — on the first ``--import-export-rows`` rows, it is slow;
(b)   PostgreSQL ``COPY`` of the same rows already clean (normalized, encrypted)
      into the same table: the ceiling.

All traffic goes to 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake import (
    BIN,
    DEFAULT_ADMIN_URL,
    HOST,
    ROOT,
    _cpu_seconds,
    database_url,
    drop_database,
    free_port,
    manage,
    production_env,
    recreate_database,
    start_gunicorn,
    wait_until_ready,
)

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
HEADERS = [
    "ID", "Imię", "Nazwisko", "Telefon", "E-mail", "Kraj", "Miasto", "Źródło", "Temperatura",
    "Data", "Zgoda", "Data zgody", "IP", "amount", "term_months", "purpose",
]  # fmt: skip
FIRST = {
    "PL": ["Zofia", "Łukasz", "Małgorzata", "Paweł", "Agnieszka", "Krzysztof", "Żaneta"],
    "RO": ["Ștefan", "Ioana", "Mădălina", "Andrei", "Țicu", "Alexandra", "Bogdan"],
    "RU": ["Анна", "Пётр", "Ольга", "Дмитрий", "Юлия", "Сергей", "Екатерина"],
}
LAST = {
    "PL": ["Wiśniewska", "Kowalczyk", "Wójcik", "Kamiński", "Lewandowska", "Zieliński"],
    "RO": ["Popescu", "Ionescu", "Mureșan", "Dumitrescu", "Stănescu", "Rădulescu"],
    "RU": ["Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев"],
}
CITY = {"PL": "Wrocław", "RO": "Brașov", "RU": "Москва"}


def local_phone(country: str, n: int) -> str:
    """The way people type them: PL 601 234 567, RO 0721 234 567, RU 8 (916) 123-45-67."""
    if country == "PL":
        return f"60{n // 1_000_000 % 10} {n // 1000 % 1000:03d} {n % 1000:03d}"
    if country == "RO":
        return f"072{n // 1_000_000 % 10} {n // 1000 % 1000:03d} {n % 1000:03d}"
    return f"8 (916) {n // 10_000 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"


def generate(path: Path, rows: int, *, seed: int = 7) -> dict[str, int]:
    """A CSV as Excel saves it (UTF-8 with BOM, semicolons): distinct people, with 1% bad
    phones and 1% repeats of earlier people. Returns the expected outcome."""
    rng = random.Random(seed)
    expected = {"accepted": 0, "duplicates": 0, "rejected": 0}
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        for n in range(1, rows + 1):
            country = ("PL", "RO", "RU")[n % 3]
            person = n
            phone = local_phone(country, person)
            if n % 100 == 50:
                phone, outcome = "123", "rejected"
            elif n % 100 == 99 and n > 3:
                person = n - 3  # the same person as three rows up (same country)
                phone, outcome = local_phone(country, person), "duplicates"
            else:
                outcome = "accepted"
            expected[outcome] += 1
            writer.writerow(
                [
                    f"crm-{n:07d}",
                    rng.choice(FIRST[country]),
                    rng.choice(LAST[country]),
                    phone,
                    f"lead.{person}@poczta-bench.example" if outcome != "rejected" else "",
                    country,
                    CITY[country],
                    "landing_page",
                    rng.choice(["hot", "warm", "cold"]),
                    "2026-11-20T10:00:00Z",
                    "Wyrażam zgodę na kontakt w sprawie ofert kredytowych.",
                    "2026-11-20T10:00:00Z",
                    f"203.0.113.{n % 250}",
                    str(rng.randrange(1000, 50000)),
                    str(rng.choice([12, 24, 36])),
                    "car",
                ]
            )
    return expected


def peak_memory_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return float("nan")
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return found


def cpu_with_reaped_children(pid: int, *, system_only: bool = False) -> float:
    """User + system CPU of a process and of its children it has waited for (the
    worker's chunk-preparing children); or only the system part."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    used = (fields[12], fields[14]) if system_only else fields[11:15]  # utime stime cutime cstime
    return sum(int(value) for value in used) / os.sysconf("SC_CLK_TCK")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        str(BIN / "celery"), "-A", "marketplace", "worker", "-Q", env["UPLOADS_QUEUE"],
        "-P", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-l", "WARNING", "-n", f"bench-{uuid.uuid4().hex[:6]}@%h",
    ]  # fmt: skip
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


class CpuMeter:
    """CPU (user + system, from /proc) of the worker, the gunicorn workers and the
    PostgreSQL backends of the benchmark database during the upload: the
    load-independent cost. Backends are sampled at every status poll."""

    def __init__(self, admin_url: str, database: str, pids: list[int], *, worker: int) -> None:
        import psycopg2

        self.connection = psycopg2.connect(admin_url, connect_timeout=5)
        self.connection.autocommit = True
        self.database = database
        self.worker = worker
        self.child_memory = 0.0
        self.start = {pid: self._cpu(pid) for pid in pids + self._backends()}
        self.worker_system_start = cpu_with_reaped_children(worker, system_only=True)
        self.worker_system = 0.0
        self.last = dict(self.start)

    def _cpu(self, pid: int) -> float:
        return cpu_with_reaped_children(pid) if pid == self.worker else _cpu_seconds(pid)

    def _backends(self) -> list[int]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database],
            )
            return [row[0] for row in cursor.fetchall()]

    def sample(self) -> None:
        for pid in set(self.last) | set(self._backends()):
            self.last[pid] = max(self.last.get(pid, 0.0), self._cpu(pid))
        self.worker_system = max(
            self.worker_system,
            cpu_with_reaped_children(self.worker, system_only=True) - self.worker_system_start,
        )
        for child in children_of(self.worker):
            self.child_memory = max(self.child_memory, peak_memory_mb(child) or 0.0)

    def seconds(self, pids: list[int] | None = None) -> float:
        chosen = self.last if pids is None else pids
        return sum(self.last[pid] - self.start.get(pid, 0.0) for pid in chosen)


def run_upload(
    base: str, key: str, path: Path, *, limit: float, meter: CpuMeter | None = None
) -> tuple[dict, float]:
    headers = {"Authorization": f"Bearer {key}"}
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = requests.post(
            f"{base}/api/v1/uploads/",
            headers=headers,
            files={"file": (path.name, handle, "text/csv")},
            data={"segment": "loans"},
            timeout=300,
        )
    if response.status_code != 202:
        raise SystemExit(f"upload refused: {response.status_code} {response.text[:500]}")
    url = response.json()["url"]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        body = requests.get(url, headers=headers, timeout=30).json()
        if meter is not None:
            meter.sample()
        if body["status"] in ("done", "failed"):
            return body, time.perf_counter() - started
        time.sleep(0.25)
    raise SystemExit(f"the upload did not finish within {limit:.0f} s")


# --- baselines (in this process, Django set up on the benchmark database) --------------


def clean_rows(path: Path, limit: int) -> list[dict]:
    """The file's rows as the API would receive them (no validation: baselines)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return [row for _n, row in zip(range(limit), reader, strict=False)]


def baseline_import_export(rows: list[dict], *, supplier, keyed: bool) -> float:
    import tablib
    from import_export import fields, resources, widgets

    from marketplace.models import Lead, Organization, Segment

    segment = Segment.objects.get(slug="loans")

    class LeadResource(resources.ModelResource):
        supplier = fields.Field(attribute="supplier", column_name="supplier",
                                widget=widgets.ForeignKeyWidget(Organization))  # fmt: skip
        segment = fields.Field(attribute="segment", column_name="segment",
                               widget=widgets.ForeignKeyWidget(Segment))  # fmt: skip

        class Meta:
            model = Lead
            fields = (
                "supplier", "segment", "external_id", "status", "first_name", "last_name",
                "phone", "email", "country", "city", "consent_text", "consent_captured_at",
                "consent_ip", "attributes", "price_cents",
            )  # fmt: skip
            import_id_fields = ("supplier", "external_id") if keyed else ()
            force_init_instance = not keyed
            skip_diff = True

    dataset = tablib.Dataset(headers=list(LeadResource.Meta.fields))
    tag = "ie-keyed" if keyed else "ie"
    for row in rows:
        dataset.append(
            [
                supplier.pk, segment.pk, f"{tag}-{row['ID']}", "available", row["Imię"],
                row["Nazwisko"], row["Telefon"], row["E-mail"], row["Kraj"], row["Miasto"],
                row["Zgoda"], row["Data zgody"].replace("T", " ").rstrip("Z"), row["IP"],
                f'{{"amount": {row["amount"]}, "term_months": {row["term_months"]}}}',
                1250,
            ]
        )  # fmt: skip
    started = time.perf_counter()
    result = LeadResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("django-import-export reported errors")
    return len(rows) / seconds


def baseline_copy(rows: list[dict], *, supplier) -> float:
    """COPY of rows already normalized and encrypted (their preparation is not timed)."""
    import json

    from django.db import connection
    from django.utils import timezone

    from marketplace.crypto import blind_index
    from marketplace.ids import new_id
    from marketplace.models import Lead, Segment

    segment = Segment.objects.get(slug="loans")
    encrypt = Lead._meta.get_field("first_name").get_prep_value
    now = timezone.now().isoformat()
    columns = [
        "id", "supplier_id", "segment_id", "external_id", "status", "rejection_reasons",
        "first_name", "last_name", "phone", "email", "phone_index", "email_index", "country",
        "region", "city", "postal_code", "temperature", "source", "consent_text",
        "consent_captured_at", "consent_ip", "consent_page_url", "consent_certificate_url",
        "qualification", "attributes", "price_cents", "max_sales", "sales_count", "created_at",
    ]  # fmt: skip
    stored_preview = any(field.name == "preview" for field in Lead._meta.concrete_fields)
    if stored_preview:  # the catalog's masked preview, stored at intake since 81e300e
        from marketplace.previews import lead_preview

        columns.append("preview")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for n, row in enumerate(rows):
        phone = f"+4860{n:07d}"
        email = f"copy.{n}@poczta-bench.example"
        preview = (
            [json.dumps(lead_preview(first_name=row["Imię"], phone=phone, email=email,
                                     country=row["Kraj"]))]
            if stored_preview else []
        )  # fmt: skip
        writer.writerow(
            [
                new_id(), supplier.pk, segment.pk, f"copy-{row['ID']}", "available", "[]",
                encrypt(row["Imię"]), encrypt(row["Nazwisko"]), encrypt(phone), encrypt(email),
                blind_index("phone", phone), blind_index("email", email), row["Kraj"], "",
                row["Miasto"], "", "hot", "landing_page", row["Zgoda"], row["Data zgody"],
                encrypt(row["IP"]), "", "", "{}",
                json.dumps({"amount": int(row["amount"]), "term_months": 24}), 1250, 1, 0, now,
                *preview,
            ]
        )  # fmt: skip
    buffer.seek(0)
    table = Lead._meta.db_table
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)
    seconds = time.perf_counter() - started
    return len(rows) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--import-export-rows", type=int, default=5_000)
    parser.add_argument("--chunk-rows", type=int, default=1000)
    parser.add_argument("--database", default="leadmarket_bench_ingest")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--no-baselines", action="store_true", help="the upload only (the 1,000,000-row memory run)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.import_export_rows = 2_000, 200
    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"The benchmark needs PostgreSQL; DATABASE_URL is {admin_url!r}.")

    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    data = workdir / "leads.csv"
    expected = generate(data, args.rows)
    recreate_database(admin_url, args.database)
    env = production_env(database_url(admin_url, args.database))
    env.update(
        REDIS_URL=REDIS_URL,
        UPLOADS_DIR=str(workdir / "uploads"),
        UPLOADS_QUEUE=f"bench-ingest-{uuid.uuid4().hex[:10]}",
        UPLOAD_CHUNK_ROWS=str(args.chunk_rows),
        LOG_LEVEL="WARNING",
    )
    server = worker = None
    log = workdir / "servers.log"
    try:
        manage(env, "migrate", "--no-input")
        org = manage(
            env, "create_org", "--kind", "supplier", "--name", "Bench", "--owner", "b@x.io"
        )
        key = manage(env, "create_api_key", "--org", org, "--name", "bench")
        port = free_port()
        server = start_gunicorn(env, port=port, workers=1, worker_class="sync", threads=1, log=log)
        base = f"http://{HOST}:{port}"
        wait_until_ready(base, key, server, seconds=30)
        worker = start_worker(env, log)
        time.sleep(3)  # the worker has imported everything
        children = [
            int(stat.parent.name)
            for stat in Path("/proc").glob("[0-9]*/stat")
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(server.pid)
        ]
        meter = CpuMeter(admin_url, args.database, [worker.pid, *children], worker=worker.pid)
        load_before = os.getloadavg()[0]
        body, seconds = run_upload(base, key, data, limit=7200, meter=meter)
        meter.sample()
        worker_cpu = meter.seconds([worker.pid])
        worker_system = meter.worker_system
        total_cpu = meter.seconds()
        meter.connection.close()
        memory = peak_memory_mb(worker.pid)
        meter_child = meter.child_memory
        load_after = os.getloadavg()[0]
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=60)
        server = worker = None

        copy_rate = ie_rate = ie_keyed_rate = float("nan")
        subset: list[dict] = []
        table_rows = body["accepted"] + body["duplicates"]
        if not args.no_baselines:
            os.environ.update(env)
            sys.path.insert(0, str(ROOT))
            import django

            django.setup()
            from marketplace.models import Lead, Organization, OrganizationKind

            table_rows = Lead.objects.count()
            suppliers = [
                Organization.objects.create(name=f"Baseline {n}", kind=OrganizationKind.SUPPLIER)
                for n in range(3)
            ]
            rows = clean_rows(data, args.rows)
            copy_rate = baseline_copy(rows, supplier=suppliers[0])
            subset = rows[: args.import_export_rows]
            if subset:
                ie_rate = baseline_import_export(subset, supplier=suppliers[1], keyed=False)
                ie_keyed_rate = baseline_import_export(subset, supplier=suppliers[2], keyed=True)
    finally:
        for process in (server, worker):
            if process is not None:
                process.kill()
        if not args.keep_database:
            if "django.db" in sys.modules:
                from django.db import connections

                connections.close_all()
            drop_database(admin_url, args.database)

    rate = args.rows / seconds
    print(
        f"machine: {os.cpu_count()} cores; load average {load_before:.1f} before,"
        f" {load_after:.1f} after; chunk {args.chunk_rows} rows; file {data.stat().st_size:,} B"
    )
    print(
        f"e2e upload: {args.rows:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s "
        f"(upload to done, real worker); worker peak memory {memory:.0f} MB (VmHWM),"
        f" its preparing child {meter_child:.0f} MB (VmHWM sampled, shared pages included); "
        f"accepted {body['accepted']:,}, duplicates {body['duplicates']:,}, "
        f"rejected {body['rejected']:,}"
    )
    per = 10_000 / args.rows
    print(
        f"CPU per 10,000 rows (whatever the load): {total_cpu * per:.2f} s in all ="
        f" worker {worker_cpu * per:.2f} s (of it system {worker_system * per:.2f} s)"
        f" + PostgreSQL and gunicorn"
        f" {(total_cpu - worker_cpu) * per:.2f} s; 8,000 rows/s on 2 cores needs at most 2.50 s"
    )
    target = f"target 8,000 rows/s: {'met' if rate >= 8000 else 'MISSED'} ({rate / 8000:.2f}x)"
    if args.no_baselines:
        print(f"baselines not measured (--no-baselines); {target}")
    else:
        print(
            f"(b) COPY of clean rows: {copy_rate:,.0f} rows/s into a table of {table_rows:,} rows"
        )
        print(
            f"(a) django-import-export ({len(subset):,} rows): {ie_rate:,.0f} rows/s create-only,"
            f" {ie_keyed_rate:,.0f} rows/s keyed on supplier + external_id"
        )
        print(
            f"ratios: e2e = {rate / ie_rate:.1f}x import-export"
            f" ({rate / ie_keyed_rate:.1f}x keyed), {rate / copy_rate:.1%} of COPY; {target}"
        )
    judged = {k: body[k] for k in expected}
    if body["status"] != "done" or judged != expected:
        print(f"FAILED: status {body['status']}, counts {judged}, expected {expected}; log: {log}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
