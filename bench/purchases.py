"""Purchase benchmark: purchases per second with concurrent buyers, ledger included,
against a bare conditional UPDATE of the lead measured in the same run.

    .venv/bin/python bench/purchases.py            # the full run (well under a minute)
    .venv/bin/python bench/purchases.py --smoke    # a tiny run that proves it works

Each run drops and recreates its own database (leadmarket_bench_purchases on the
PostgreSQL server at --server, 127.0.0.1 only), migrates it with
``manage.py migrate`` in a subprocess, loads the leads with ``bulk_create`` and
starts N worker processes (default 8), one buyer each, each with its own
connection and its own leads (from its own supplier):

  update    the bare conditional UPDATE of a purchase (sales_count < max_sales,
            status available), one autocommit transaction per lead;
  purchase  ``buyers.services.purchase_create`` (CPL): buyer-person lock, the
            dedup look-up, the same conditional UPDATE, the sale and its event,
            the ledger charge, the earnings hold and the access-log row.

Prints purchases/s, p50/p99, the workers' CPU and their PostgreSQL backends' CPU
(from /proc, same host) per operation for each scenario and the purchase/update
ratio, then runs ``check_ledger``.

Django runs as in production, ``DEBUG=0`` with fixed benchmark keys
(``benchdb.django_env``); ``--debug`` runs it with ``DEBUG=1`` instead (the
development keys, every query recorded: about 30 µs more per purchase).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import (
    add_worker_arguments,
    check_local,
    django_setup,
    machine_line,
    recreate_database,
)

DB_NAME = "leadmarket_bench_purchases"
PRICE_CENTS = 1_000


def _bare_update(lead_id: str) -> None:
    from django.db import connection

    from marketplace.models import Lead

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Lead._meta.db_table} SET sales_count = sales_count + 1,"
            " status = CASE WHEN sales_count + 1 >= max_sales THEN 'sold_out' ELSE status END"
            " WHERE id = %s AND status = 'available' AND sales_count < max_sales",
            [lead_id],
        )
        if cursor.rowcount != 1:
            raise RuntimeError(f"lead {lead_id} was not on sale")


def _backend_cpu(connection) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same host:
    /proc/<pid>/stat, utime + stime), or None where that can't be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(
    url: str, production: bool, scenario: str, buyer_id: str, lead_ids: list, barrier, results
) -> None:
    django_setup(url, production=production)
    from django.db import connection

    from buyers.services import purchase_create
    from marketplace.models import AccessChannel, Organization

    buyer = Organization.objects.get(pk=buyer_id)
    warm, measured = lead_ids[:3], lead_ids[3:]

    def once(lead_id: str) -> None:
        if scenario == "update":
            _bare_update(lead_id)
        else:
            purchase_create(
                buyer=buyer, lead_id=lead_id, billing_model="cpl", reveal=AccessChannel.API
            )

    for lead_id in warm:  # connection, accounts, code paths
        once(lead_id)
    barrier.wait(timeout=120)
    latencies = []
    backend = _backend_cpu(connection)
    cpu = time.process_time()
    started = time.perf_counter()
    for lead_id in measured:
        t0 = time.perf_counter()
        once(lead_id)
        latencies.append(time.perf_counter() - t0)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu
    if backend is not None:
        backend = _backend_cpu(connection) - backend
    connection.close()
    results.put((started, finished, latencies, cpu, backend))


def run_scenario(
    url: str, scenario: str, jobs: list[tuple[str, list[str]]], *, production: bool
) -> dict:
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(jobs))
    results = context.Queue()
    processes = [
        context.Process(
            target=_worker, args=(url, production, scenario, buyer, leads, barrier, results)
        )
        for buyer, leads in jobs
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=1800) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise SystemExit(f"a worker of {scenario} failed (exit code {process.exitcode})")
    start = min(c[0] for c in collected)
    end = max(c[1] for c in collected)
    latencies = sorted(x for c in collected for x in c[2])
    total = len(latencies)
    return {
        "count": total,
        "seconds": end - start,
        "per_second": total / (end - start),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(total - 1, int(total * 0.99))] * 1000,
        # The workers' own CPU (Python, ORM, driver) per operation, and their PostgreSQL
        # backends' (None when /proc can't tell): together, the load-independent cost.
        "cpu_ms": sum(c[3] for c in collected) / total * 1000,
        "backend_ms": (
            None
            if any(c[4] is None for c in collected)
            else sum(c[4] for c in collected) / total * 1000
        ),
    }


def setup(workers: int, per_worker: int) -> dict[str, list[tuple[str, list[str]]]]:
    """A funded buyer and a supplier per worker, and distinct leads for each scenario."""
    import secrets

    from django.utils import timezone

    from billing.services import topup_credit
    from marketplace.models import Lead, LeadStatus, Organization, OrganizationKind, Segment

    segment = Segment.objects.get(slug="loans")
    now = timezone.now()
    jobs: dict[str, list[tuple[str, list[str]]]] = {"update": [], "purchase": []}
    for i in range(workers):
        buyer = Organization.objects.create(name=f"Buyer {i}", kind=OrganizationKind.BUYER)
        supplier = Organization.objects.create(name=f"Supplier {i}", kind=OrganizationKind.SUPPLIER)
        topup_credit(
            organization=buyer,
            amount_cents=(per_worker + 10) * PRICE_CENTS,
            idempotency_key=f"bench:{i}",
        )
        for scenario in jobs:
            leads = Lead.objects.bulk_create(
                Lead(
                    supplier=supplier,
                    segment=segment,
                    external_id=f"{scenario}-{i}-{n}",
                    status=LeadStatus.AVAILABLE,
                    first_name="Anna",
                    phone=f"+48601{i:02d}{n:04d}",
                    phone_index=secrets.token_hex(32),
                    email_index=secrets.token_hex(32),
                    country="PL",
                    price_cents=PRICE_CENTS,
                    max_sales=1,
                    created_at=now,
                )
                for n in range(per_worker + 3)
            )
            jobs[scenario].append((str(buyer.pk), [str(lead.pk) for lead in leads]))
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_worker_arguments(parser, per_worker="purchases", default=100)
    parser.add_argument(
        "--debug", action="store_true", help="run Django with DEBUG=1 (development keys)"
    )
    args = parser.parse_args()
    production = not args.debug
    workers = max(1, min(args.workers, 64))
    per_worker = 5 if args.smoke else max(1, min(args.purchases, 100_000))
    check_local(args.server, "bench/purchases.py")

    url = recreate_database(args.server, DB_NAME, production=production)
    django_setup(url, production=production)
    jobs = setup(workers, per_worker)
    from django.db import connection

    connection.close()
    print(machine_line())
    print(
        f"workers: {workers} processes, one buyer each · {per_worker} distinct leads each"
        f" · DEBUG={0 if production else 1}"
    )
    results = {}
    for scenario in ("update", "purchase"):
        result = run_scenario(url, scenario, jobs[scenario], production=production)
        results[scenario] = result
        print(
            f"{scenario:9} {result['count']:6d} in {result['seconds']:6.2f} s ="
            f" {result['per_second']:8.1f}/s · p50 {result['p50_ms']:6.2f} ms"
            f" · p99 {result['p99_ms']:6.2f} ms · worker CPU {result['cpu_ms']:5.2f} ms each"
            + (
                ""
                if result["backend_ms"] is None
                else f" · PostgreSQL CPU {result['backend_ms']:5.2f} ms each"
            )
        )
    from django.core.management import call_command

    from marketplace.models import Sale

    sold = Sale.objects.count()
    expected = workers * (per_worker + 3)
    if sold != expected:
        raise SystemExit(f"{sold} sales recorded, {expected} expected")
    call_command("check_ledger")
    ratio = results["purchase"]["per_second"] / results["update"]["per_second"]
    print(f"purchase/update ratio: {ratio:.3f} ({1 / ratio:.1f}x slower than the bare UPDATE)")


if __name__ == "__main__":
    main()
