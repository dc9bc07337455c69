"""Lead intake benchmark: gunicorn + PostgreSQL, production settings, on 127.0.0.1.

    .venv/bin/python bench/intake.py            # the full run (docs/performance.md)
    .venv/bin/python bench/intake.py --smoke    # seconds; exits 0 if every answer was 2xx

It creates its own database (dropped and recreated each run), migrates it,
creates a supplier and an API key with the project's own commands, starts
gunicorn on a free local port and measures:

(a) single-lead ``POST /api/v1/leads/`` from a few client threads with
    keep-alive sessions: leads/s, p50/p99 latency;
(b) ``POST /api/v1/leads/batch/`` with 1,000 leads a request: leads/s,
    p50/p99 per request;

and, for each, the CPU the gunicorn workers and their PostgreSQL backends used
per lead (from /proc): unlike latency, it does not grow when other work shares
the machine, so runs on a busy machine can still be compared.

Every lead is a distinct person (its own valid phone and email), so nothing is
rejected as a duplicate. All traffic goes to 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_P99_MS = 50.0
HOST = "127.0.0.1"
WARM_UP_FIRST = 900_000  # warm-up leads are numbered from here: no clash


# --- the database -------------------------------------------------------------------


def database_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def recreate_database(admin_url: str, name: str) -> None:
    connection = psycopg2.connect(admin_url, connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def drop_database(admin_url: str, name: str) -> None:
    connection = psycopg2.connect(admin_url, connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


# --- the server ------------------------------------------------------------------------


def production_env(db_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS_", "SECURE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings",
        DEBUG="0",
        DATABASE_URL=db_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS=HOST,
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_WEBHOOK_SECRET="whsec_bench",
        SECURE_SSL_REDIRECT="0",
        API_RATE_LIMIT="10000000/min",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command; return its last line (the project's convention)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], *, port: int, workers: int, worker_class: str, threads: int, log: Path
) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "marketplace.wsgi",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        f"--threads={threads}",
        "--timeout=120",
        "--keep-alive=30",
        "--log-level=warning",
    ]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


def wait_until_ready(base: str, key: str, server: subprocess.Popen, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}; see its log.")
        try:
            response = requests.get(
                f"{base}/api/v1/segments/", headers={"Authorization": f"Bearer {key}"}, timeout=5
            )
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or workers still importing
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {seconds:.0f} s.")


# --- CPU used by the server side (load-independent cost) -------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(admin_url: str, database: str, gunicorn_pid: int) -> dict[str, list[int]]:
    """The gunicorn workers and the PostgreSQL backends serving the benchmark database."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == gunicorn_pid:
                workers.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    connection = psycopg2.connect(admin_url, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            )
            backends = [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()
    return {"gunicorn": workers, "postgresql": backends}


def cpu_snapshot(pids: dict[str, list[int]]) -> dict[str, float]:
    return {side: sum(_cpu_seconds(pid) for pid in group) for side, group in pids.items()}


def cpu_report(before: dict[str, float], after: dict[str, float], leads: int) -> str:
    parts = [
        f"{side} {(after[side] - before[side]) / leads * 1000:.1f} ms" for side in sorted(after)
    ]
    return "CPU per lead (whatever the load): " + ", ".join(parts)


# --- the leads --------------------------------------------------------------------------


def lead(number: int, *, prefix: str) -> dict:
    """A distinct person: PL mobile +48 601 xxx xxx (valid for any number below 10**6)."""
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "segment": "loans",
        "external_id": f"{prefix}-{number:07d}",
        "first_name": "Zofia",
        "last_name": "Wiśniewska",
        "phone": f"+48 601 {number // 1000:03d} {number % 1000:03d}",
        "email": f"{prefix}.{number}@bench-poczta.pl",
        "country": "PL",
        "region": "PL-MZ",
        "city": "Warszawa",
        "postal_code": "00-001",
        "temperature": "hot",
        "source": "landing_page",
        "captured_at": now,
        "consent": {
            "text": "Wyrażam zgodę na kontakt w sprawie ofert kredytowych.",
            "captured_at": now,
            "ip": "203.0.113.5",
            "page_url": "https://oferty.example.pl/kredyt",
        },
        "qualification": {"budget": True, "authority": True, "need": True, "timeline": "now"},
        "attributes": {"amount": 20000, "term_months": 24, "purpose": "car"},
        "price": "12.50",
        "cpa_price": "60.00",
        "max_sales": 1,
    }


# --- measuring --------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    leads: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    lead_statuses: Counter = field(default_factory=Counter)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]

    @property
    def all_2xx(self) -> bool:
        return bool(self.statuses) and all(200 <= code < 300 for code in self.statuses)

    def report(self) -> str:
        rate = self.leads / self.seconds if self.seconds else 0.0
        return (
            f"{self.name}: {self.leads} leads in {self.seconds:.2f} s = {rate:,.0f} leads/s; "
            f"{len(self.latencies_ms)} requests, p50 {self.percentile(50):.1f} ms, "
            f"p99 {self.percentile(99):.1f} ms, max {max(self.latencies_ms, default=0):.1f} ms; "
            f"HTTP {dict(self.statuses)}; leads {dict(self.lead_statuses)}"
        )


def session(key: str) -> requests.Session:
    http = requests.Session()
    http.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    return http


def post(http: requests.Session, url: str, body: object) -> tuple[int, dict, float]:
    data = json.dumps(body, ensure_ascii=False).encode()
    started = time.perf_counter()
    response = http.post(url, data=data, timeout=120)
    elapsed_ms = (time.perf_counter() - started) * 1000
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    return response.status_code, payload, elapsed_ms


def run_single(base: str, key: str, *, count: int, clients: int, first: int) -> Phase:
    phase = Phase(f"single POST /api/v1/leads/ ({clients} clients)")
    lock = threading.Lock()
    url = f"{base}/api/v1/leads/"

    def client(worker: int) -> None:
        http = session(key)
        for number in range(first + worker, first + count, clients):
            code, payload, elapsed = post(http, url, lead(number, prefix="single"))
            with lock:
                phase.latencies_ms.append(elapsed)
                phase.statuses[code] += 1
                phase.lead_statuses[payload.get("status", "error")] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    phase.leads = count
    return phase


def run_batches(base: str, key: str, *, batches: int, size: int, clients: int, first: int) -> Phase:
    phase = Phase(f"batch POST /api/v1/leads/batch/ ({size} a request, {clients} clients)")
    lock = threading.Lock()
    url = f"{base}/api/v1/leads/batch/"

    def client(worker: int) -> None:
        http = session(key)
        for batch in range(worker, batches, clients):
            start = first + batch * size
            body = {"leads": [lead(n, prefix="batch") for n in range(start, start + size)]}
            code, payload, elapsed = post(http, url, body)
            with lock:
                phase.latencies_ms.append(elapsed)
                phase.statuses[code] += 1
                for result in payload.get("results", []):
                    phase.lead_statuses[result.get("status", "error")] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    phase.leads = batches * size
    return phase


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    parser.add_argument("--single", type=int, default=3000, help="single-lead POSTs")
    parser.add_argument("--clients", type=int, default=4, help="client threads (single)")
    parser.add_argument("--batches", type=int, default=10, help="batch requests")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batch-clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--database", default="leadmarket_bench")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.single, args.clients, args.batches, args.batch_size = 40, 2, 1, 50
        args.workers = 2
    if not 1 <= args.batch_size <= 1000 or min(args.single, args.batches, args.clients) < 1:
        parser.error("--single, --batches and --clients must be positive; --batch-size 1..1000")
    if args.single + args.batches * args.batch_size >= WARM_UP_FIRST:
        parser.error(f"at most {WARM_UP_FIRST:,} leads a run (phones are numbered per lead)")

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"The benchmark needs PostgreSQL; DATABASE_URL is {admin_url!r}.")
    started = time.perf_counter()
    recreate_database(admin_url, args.database)
    env = production_env(database_url(admin_url, args.database))
    server: subprocess.Popen | None = None
    log = Path(tempfile.gettempdir()) / f"bench-gunicorn-{os.getpid()}.log"
    try:
        manage(env, "migrate", "--no-input")
        org = manage(
            env, "create_org", "--kind", "supplier", "--name", "Bench", "--owner", "b@bench.io"
        )
        key = manage(env, "create_api_key", "--org", org, "--name", "bench")
        port = free_port()
        server = start_gunicorn(
            env,
            port=port,
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            log=log,
        )
        base = f"http://{HOST}:{port}"
        wait_until_ready(base, key, server, seconds=30)
        setup_seconds = time.perf_counter() - started
        load_before = os.getloadavg()[0]

        # Warm every worker up (imports, connections, compiled schemas); not measured.
        run_single(base, key, count=4 * args.workers, clients=args.workers, first=WARM_UP_FIRST)
        pids = server_pids(admin_url, args.database, server.pid)
        cpu_start = cpu_snapshot(pids)
        single = run_single(base, key, count=args.single, clients=args.clients, first=0)
        cpu_single = cpu_snapshot(pids)
        batch = run_batches(
            base,
            key,
            batches=args.batches,
            size=args.batch_size,
            clients=args.batch_clients,
            first=args.single,
        )
        cpu_batch = cpu_snapshot(pids)
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep_database:
            drop_database(admin_url, args.database)

    p99 = single.percentile(99)
    print(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} x {args.worker_class}"
        f" (threads {args.threads}); setup {setup_seconds:.1f} s; load average"
        f" {load_before:.1f} before, {load_after:.1f} after (other work on the machine skews it)"
    )
    print(single.report())
    print(f"  {cpu_report(cpu_start, cpu_single, single.leads)}")
    print(batch.report())
    print(f"  {cpu_report(cpu_single, cpu_batch, batch.leads)}")
    verdict = "met" if p99 < TARGET_P99_MS else "MISSED"
    print(
        f"target: single-lead p99 < {TARGET_P99_MS:.0f} ms; measured {p99:.1f} ms = "
        f"{p99 / TARGET_P99_MS:.2f}x the target ({verdict})"
    )
    accepted = single.lead_statuses["available"] + batch.lead_statuses["available"]
    ok = single.all_2xx and batch.all_2xx and accepted == single.leads + batch.leads
    if not ok:
        print(f"FAILED: not every request was 2xx or not every lead accepted; log: {log}")
        return 1
    log.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
