"""Ledger benchmark: CPL charges per second on PostgreSQL with concurrent workers.

    .venv/bin/python bench/ledger.py            # the full run
    .venv/bin/python bench/ledger.py --smoke    # a tiny run that proves it works

Each run drops and recreates its own database (leadmarket_bench_ledger on the
PostgreSQL server at --server, 127.0.0.1 only), migrates it with
``manage.py migrate`` in a subprocess, then measures ``billing.services.cpl_charge``
with unique sale ids from N worker processes (default 8):

  hot     every worker charges the same buyer wallet and pays the same supplier;
  spread  each worker has its own buyer wallet and its own supplier;
  shared-supplier  own buyer wallets, one supplier (its pending account is hot).

Prints charges/s, p50/p99 latency per scenario and the spread/hot ratio.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
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

DB_NAME = "leadmarket_bench_ledger"
PRICE_CENTS = 1_000


def _worker(
    url: str,
    buyer_id: str,
    supplier_id: str,
    prefix: str,
    charges: int,
    barrier,
    results,
) -> None:
    django_setup(url)
    from django.db import connection

    from billing.services import cpl_charge
    from marketplace.models import Organization

    buyer = Organization.objects.get(pk=buyer_id)
    supplier = Organization.objects.get(pk=supplier_id)
    for n in range(3):  # warm-up: connection, accounts, code paths
        cpl_charge(
            buyer=buyer, supplier=supplier, sale_id=f"{prefix}-w{n}", price_cents=PRICE_CENTS
        )
    barrier.wait(timeout=120)
    latencies = []
    started = time.perf_counter()
    for n in range(charges):
        t0 = time.perf_counter()
        cpl_charge(buyer=buyer, supplier=supplier, sale_id=f"{prefix}-{n}", price_cents=PRICE_CENTS)
        latencies.append(time.perf_counter() - t0)
    finished = time.perf_counter()
    connection.close()
    results.put((started, finished, latencies))


def run_scenario(url: str, name: str, pairs: list[tuple[str, str]], charges: int) -> dict:
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(pairs))
    results = context.Queue()
    processes = [
        context.Process(
            target=_worker,
            args=(url, buyer, supplier, f"{name}-{i}", charges, barrier, results),
        )
        for i, (buyer, supplier) in enumerate(pairs)
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=1800) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise SystemExit(f"a worker of {name} failed (exit code {process.exitcode})")
    start = min(c[0] for c in collected)
    end = max(c[1] for c in collected)
    latencies = sorted(x for c in collected for x in c[2])
    total = len(latencies)
    return {
        "name": name,
        "charges": total,
        "seconds": end - start,
        "per_second": total / (end - start),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(total - 1, int(total * 0.99))] * 1000,
    }


def setup_parties(workers: int, charges: int) -> dict[str, list[tuple[str, str]]]:
    from billing.services import topup_credit
    from marketplace.models import Organization, OrganizationKind

    def org(name: str, kind: str) -> Organization:
        return Organization.objects.create(name=name, kind=kind)

    budget = (charges + 10) * PRICE_CENTS * workers

    def buyer(name: str) -> str:
        organization = org(name, OrganizationKind.BUYER)
        topup_credit(
            organization=organization, amount_cents=budget, idempotency_key=f"bench:{name}"
        )
        return str(organization.pk)

    hot_buyer = buyer("Hot buyer")
    hot_supplier = str(org("Hot supplier", OrganizationKind.SUPPLIER).pk)
    own_buyers = [buyer(f"Buyer {i}") for i in range(workers)]
    own_suppliers = [
        str(org(f"Supplier {i}", OrganizationKind.SUPPLIER).pk) for i in range(workers)
    ]
    return {
        "hot": [(hot_buyer, hot_supplier)] * workers,
        "spread": list(zip(own_buyers, own_suppliers, strict=True)),
        "shared-supplier": [(b, hot_supplier) for b in own_buyers],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_worker_arguments(parser, per_worker="charges", default=400)
    args = parser.parse_args()
    workers = max(1, min(args.workers, 64))
    charges = 5 if args.smoke else max(1, min(args.charges, 100_000))
    check_local(args.server, "bench/ledger.py")

    url = recreate_database(args.server, DB_NAME)
    django_setup(url)
    pairs = setup_parties(workers, charges)
    from django.db import connection

    connection.close()
    print(machine_line())
    print(f"workers: {workers} processes · {charges} charges each · price {PRICE_CENTS} cents")
    results = {}
    for name in ("hot", "spread", "shared-supplier"):
        result = run_scenario(url, name, pairs[name], charges)
        results[name] = result
        print(
            f"{name:16} {result['charges']:6d} charges in {result['seconds']:6.2f} s ="
            f" {result['per_second']:7.1f} charges/s · p50 {result['p50_ms']:6.1f} ms"
            f" · p99 {result['p99_ms']:6.1f} ms"
        )
    from django.core.management import call_command

    call_command("check_ledger")
    ratio = results["spread"]["per_second"] / results["hot"]["per_second"]
    print(f"spread/hot ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
