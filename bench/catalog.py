"""Catalog benchmark: the buyer's browse query on 1,000,000 leads, directly and through the API.

    .venv/bin/python bench/catalog.py            # 1,000,000 leads (several minutes to load)
    .venv/bin/python bench/catalog.py --smoke    # 20,000 leads, well under a minute

Each run drops and recreates its own database (leadmarket_bench_catalog on the
PostgreSQL server at --server, 127.0.0.1 only; leadmarket_bench_catalog_smoke for
--smoke, so a smoke run never drops the kept 1,000,000-lead database), migrates it with ``manage.py
migrate`` in a subprocess, loads the leads with COPY (4 segments, 50 regions in
5 countries, prices 5-80, ages up to 40 days, every temperature, 200 suppliers
of which some are rated and a few suspended), gives the buyer 2,000 recent
purchases (--buyer-sales; so the "bought by me" and "same person" rules have work
to do; each counted on its lead, which an exclusive one sells out) and, with
--buyer-history, older ones no rule may read,
then ANALYZE and VACUUM (autovacuum's job in production: it sets the visibility
map the count's index-only scans rely on).

For each filter mix it measures p50/p95 of:

  first    the first page (50 rows), the selector's SQL run directly;
  keyset   a page 10,000 rows deep by keyset (the cursor's row comparison);
  offset   the same page by OFFSET 10,000: the baseline (ratio printed);
  count    the capped count (exact up to 10,000) plus, past it, the estimate;
  api      GET /api/v1/marketplace/leads/ through Django's test client with a
           buyer's API key: parsing, the page, the count, the stored previews, JSON;
  api deep the same 10,000 deep, by a cursor as the next links give it (carrying
           the first page's count, so that page does not count);
  reference the issue's: the same leads in a plain table, one partial index, no
           buyer rules (first page, keyset page, capped count; the segment mix).

and prints the EXPLAIN (ANALYZE, BUFFERS) of the main query and of the count.
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from benchdb import DEFAULT_SERVER, check_local, database_url, django_setup, recreate_database

DB_NAME = "leadmarket_bench_catalog"
SMOKE_DB_NAME = f"{DB_NAME}_smoke"
DEEP = 10_000
PAGE = 50

COUNTRIES = {"PL": 14, "RO": 10, "DE": 10, "CZ": 8, "UA": 8}  # 50 regions
SEGMENT_ATTRIBUTES = {
    "loans": lambda r: {
        "amount": r.randrange(1_000, 100_000, 500),
        "term_months": r.choice([6, 12, 24, 36, 60]),
        "purpose": r.choice(["car", "home", "renovation", "consumer", "business"]),
    },
    "insurance": lambda r: {"product": r.choice(["casco", "osago", "health", "life", "travel"])},
    "travel": lambda r: {"destination": r.choice(["Crete", "Antalya", "Hurghada", "Mallorca"])},
    "courses": lambda r: {"subject": r.choice(["English", "Python", "Design", "Accounting"])},
}

MIXES: list[tuple[str, dict[str, str]]] = [
    ("all (no filter)", {}),
    ("segment", {"segment": "loans"}),
    ("segment+region", {"segment": "loans", "region": "PL-07"}),
    ("segment+hot+max_price", {"segment": "insurance", "temperature": "hot", "max_price": "30.00"}),
    ("country+cpa+min_rating", {"country": "RO", "billing_model": "cpa", "min_rating": "60"}),
    (
        "segment+attr range",
        {"segment": "loans", "attr.amount_min": "10000", "attr.amount_max": "50000"},
    ),
    ("last 24h+warm", {"max_age_hours": "24", "temperature": "warm"}),
]


def _admin_execute(server: str, *statements: str) -> None:
    import psycopg2

    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


def _django(url: str) -> None:
    os.environ["API_RATE_LIMIT"] = "100000000/min"
    django_setup(url)


# --- loading -------------------------------------------------------------------------


def reuse_parties() -> dict:
    """The buyer and its key on a database a --keep run left behind (a new key: only
    hashes are stored)."""
    from marketplace.models import Organization
    from marketplace.services.api_keys import api_key_create

    buyer = Organization.objects.get(name="Bench buyer")
    key = api_key_create(organization=buyer, name="bench again", created_by=None).raw_key
    return {"buyer": buyer, "key": key}


def setup_parties(rng: random.Random) -> dict:
    from marketplace.models import Organization, OrganizationKind, Segment
    from marketplace.services.api_keys import api_key_create
    from marketplace.services.organizations import organization_create, user_create

    owner = user_create(email="bench.buyer@example.com", password=None)
    buyer = organization_create(name="Bench buyer", kind=OrganizationKind.BUYER, owner=owner)
    key = api_key_create(organization=buyer, name="bench", created_by=owner).raw_key
    now = datetime.now(UTC)
    suppliers = Organization.objects.bulk_create(
        Organization(
            name=f"Supplier {n:03d}",
            kind=OrganizationKind.SUPPLIER,
            rating_score=rng.randrange(20, 100) if n % 4 else None,
            rating_tier=rng.choice("ABCD") if n % 4 else "",
            suspended_at=now if n % 50 == 7 else None,  # 4 of 200 suspended
        )
        for n in range(200)
    )
    discounts = [{"after_hours": 24, "percent": 10}, {"after_hours": 72, "percent": 30}]
    Segment.objects.filter(slug__in=["loans", "insurance"]).update(age_discounts=discounts)
    segments = {s.slug: s for s in Segment.objects.filter(slug__in=list(SEGMENT_ATTRIBUTES))}
    return {"buyer": buyer, "key": key, "suppliers": suppliers, "segments": segments}


def _token_pool(values: list[str]) -> list[str]:
    from marketplace.crypto import encrypt_text

    return [encrypt_text(value) for value in values]


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _fillers(table: str, given: list[str]) -> tuple[list[str], str]:
    """Columns of ``table`` this script does not set (other apps may add some), with a
    COPY value each: NULL where allowed, else an empty value of the column's type."""
    from django.db import connection

    empty = {"text": "", "character varying": "", "jsonb": "{}", "boolean": "f"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [table],
        )
        rows = [row for row in cursor.fetchall() if row[0] not in given]
    names = [name for name, _type, _null in rows]
    values = [
        "\\N" if nullable == "YES" else empty.get(kind, "0") for _name, kind, nullable in rows
    ]
    return names, "".join("\t" + value for value in values)


LEAD_COLUMNS = [
    "id", "supplier_id", "segment_id", "external_id", "status", "rejection_reasons",
    "first_name", "last_name", "phone", "email", "phone_index", "email_index",
    "country", "region", "city", "postal_code", "temperature", "source", "captured_at",
    "consent_text", "consent_captured_at", "consent_ip", "consent_page_url",
    "consent_certificate_url", "qualification", "attributes", "price_cents",
    "cpa_price_cents", "max_sales", "sales_count", "created_at", "preview",
]  # fmt: skip


def lead_rows(count: int, parties: dict, rng: random.Random, now: datetime, *, arrival: str):
    """Yields (COPY line, id, created_at, status, segment_id, phone_index, email_index):
    oldest first for ``arrival="time"`` (as intake stores them: the table in time
    order), in random time order for ``arrival="random"``."""
    regions = [f"{c}-{n:02d}" for c, k in COUNTRIES.items() for n in range(1, k + 1)]
    from marketplace.previews import lead_preview

    plain_names = ["Anna", "Jan", "Ioana", "Olena", "Petr", "Maria", "Andrei", "Eva"]
    plain_phones = [f"+48601{n:06d}" for n in range(64)]
    plain_emails = [f"person.{n}@example.pl" for n in range(64)]
    names = _token_pool(plain_names)
    surnames = _token_pool(["Kowalska", "Popescu", "Novak", "Schmidt", "Shevchenko", "Nowak"])
    phones = _token_pool(plain_phones)
    emails = _token_pool(plain_emails)
    previews: dict[tuple[int, str], str] = {}  # the masked preview intake stores, per person
    ips = _token_pool(["203.0.113.5", "198.51.100.7"])
    suppliers = [str(s.pk) for s in parties["suppliers"]]
    segments = list(parties["segments"].values())
    temperatures = ["cold", "warm", "hot"]
    sources = ["landing_page", "call", "social", "email", "referral", "event", "partner"]
    horizon = 40 * 24 * 3600
    ages = [rng.random() * horizon for _ in range(count)]
    if arrival == "time":
        ages.sort(reverse=True)
    for n in range(count):
        segment = segments[n % 4]
        created = now - timedelta(seconds=ages[n])
        roll = rng.random()
        if created < now - timedelta(days=segment.freshness_days):
            status = "expired" if roll < 0.98 else "available"  # a few the task has not reached
        elif roll < 0.86:
            status = "available"
        elif roll < 0.92:
            status = "sold_out"
        elif roll < 0.97:
            status = "rejected"
        else:
            status = "held"
        max_sales = rng.choice([1, 1, 1, 3, 5])
        sales = max_sales if status == "sold_out" else rng.randrange(0, max_sales)
        price = rng.randrange(500, 8001, 50)
        cpa = price * 5 if rng.random() < 0.7 else None
        country_region = rng.choice(regions)
        lead_id = uuid.UUID(int=rng.getrandbits(128))
        phone_index = hashlib.sha256(b"p%d" % n).hexdigest()
        email_index = hashlib.sha256(b"e%d" % n).hexdigest()
        attributes = SEGMENT_ATTRIBUTES[segment.slug](rng)
        country = country_region[:2]
        preview = previews.get((n % 64, country))
        if preview is None:
            preview = previews[n % 64, country] = json.dumps(
                lead_preview(
                    first_name=plain_names[n % 8],
                    phone=plain_phones[n % 64],
                    email=plain_emails[n % 64],
                    country=country,
                )
            )
        values = [
            lead_id, suppliers[rng.randrange(len(suppliers))], segment.pk, f"ext-{n}", status,
            "[]", names[n % 8], surnames[n % 6], phones[n % 64], emails[n % 64], phone_index,
            email_index, country_region[:2], country_region, "Warszawa", "00-001",
            temperatures[rng.randrange(3)], sources[n % 7], created.isoformat(),
            "I agree to be contacted about offers.", created.isoformat(), ips[n % 2],
            "https://example.pl/landing", "", json.dumps({"budget": True, "need": True}),
            json.dumps(attributes), price, cpa, max_sales, sales, created.isoformat(), preview,
        ]  # fmt: skip
        line = "\t".join(_copy_text(value) for value in values) + "\n"
        yield line, lead_id, created, status, segment.pk, phone_index, email_index


def load(
    parties: dict, count: int, rng: random.Random, now: datetime, *, arrival: str, sample: int
) -> dict:
    """COPY ``count`` leads; returns ``sample`` or more available ones among them, picked
    at random, for the buyer's purchases."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'marketplace_lead'::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        )
        indexes = cursor.fetchall()
        # Bulk load first, index after: what any large import does.
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    extra_columns, extra_values = _fillers("marketplace_lead", LEAD_COLUMNS)
    columns = ", ".join(LEAD_COLUMNS + extra_columns)
    available: list[tuple] = []
    keep = max(50_000, 2 * sample)
    share = min(1.0, max(0.05, 3 * sample / count))
    started = time.perf_counter()
    chunk = 100_000
    rows = lead_rows(count, parties, rng, now, arrival=arrival)
    loaded = 0
    with connection.cursor() as cursor:
        while loaded < count:
            buffer = io.StringIO()
            for _ in range(min(chunk, count - loaded)):
                line, lead_id, created, status, segment_id, phone_index, email_index = next(rows)
                buffer.write(line[:-1] + extra_values + "\n")
                if status == "available" and len(available) < keep and rng.random() < share:
                    available.append((lead_id, created, segment_id, phone_index, email_index))
                loaded += 1
            buffer.seek(0)
            cursor.copy_expert(f"COPY marketplace_lead ({columns}) FROM STDIN", buffer)
        copied = time.perf_counter() - started
        for _name, definition in indexes:
            cursor.execute(definition)
    indexed = time.perf_counter() - started - copied
    return {"available_sample": available, "copy_s": copied, "index_s": indexed}


def _history(count: int, rng: random.Random, now: datetime) -> list[tuple[tuple, datetime]]:
    """``count`` leads older than every window (31+ days) and off sale (never the recent
    purchases' leads, all on sale), each bought within an hour of its creation: the
    buyer's purchases no catalog rule may read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, created_at, segment_id, phone_index, email_index FROM marketplace_lead"
            " WHERE created_at < %s AND status <> 'available' ORDER BY id LIMIT %s",
            [now - timedelta(days=31), count],
        )
        return [(row, row[1] + timedelta(seconds=rng.random() * 3600)) for row in cursor]


def add_purchases(
    parties: dict,
    sample: list[tuple],
    rng: random.Random,
    now: datetime,
    *,
    count: int,
    history: int,
) -> int:
    """The buyer bought ``count`` leads in the last 30 days and ``history`` before: the
    sales rows (no ledger), and each recent sale counted on its lead as a purchase
    counts it (an exclusive lead, or a shared one's last sale, sells it out), so the
    catalog sees what it would."""
    from django.db import connection

    buyer = parties["buyer"]
    recent = rng.sample(sample, min(count, len(sample)))
    bought = [
        *((lead, now - timedelta(seconds=rng.random() * 29 * 24 * 3600)) for lead in recent),
        *_history(history, rng, now),
    ]
    columns = [
        "id", "lead_id", "buyer_id", "supplier_id", "segment_id", "phone_index", "email_index",
        "billing_model", "price_cents", "currency", "commission_percent", "status",
        "purchased_at", "return_deadline", "action_deadline", "outcome", "outcome_reason",
    ]  # fmt: skip
    extra_columns, extra_values = _fillers("marketplace_sale", columns)
    buffer = io.StringIO()
    for (lead_id, _created, segment_id, phone_index, email_index), purchased in bought:
        values = [
            uuid.uuid4(), lead_id, buyer.pk, parties["suppliers"][0].pk, segment_id, phone_index,
            email_index, "cpl", 1000, "USD", 20, "delivered", purchased.isoformat(),
            (purchased + timedelta(hours=72)).isoformat(), None, "new", "",
        ]  # fmt: skip
        buffer.write("\t".join(_copy_text(value) for value in values) + extra_values + "\n")
    buffer.seek(0)
    names = ", ".join(columns + extra_columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY marketplace_sale ({names}) FROM STDIN", buffer)
        cursor.execute(
            "UPDATE marketplace_lead l SET sales_count = l.sales_count + 1,"
            " status = CASE WHEN l.sales_count + 1 >= l.max_sales THEN 'sold_out'"
            " ELSE l.status END FROM marketplace_sale s"
            " WHERE s.lead_id = l.id AND l.status = 'available'"
        )
        cursor.execute(
            "UPDATE marketplace_sale s SET lead_shared = l.max_sales > 1"
            " FROM marketplace_lead l WHERE l.id = s.lead_id"
        )
    return len(bought)


def attribute_indexes(*, reuse: bool) -> None:
    """The numeric attributes' indexes, as ``manage.py catalog_attribute_indexes`` builds
    them in production (a kept database is migrated first: the indexes need 0011)."""
    from django.core.management import call_command
    from django.db import connection

    from marketplace.services.catalog_indexes import catalog_attribute_indexes_sync

    if reuse:
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    changes = catalog_attribute_indexes_sync()
    if changes.created:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE marketplace_lead")
    print(
        f"attribute indexes: {len(changes.created)} built in "
        f"{time.perf_counter() - started:.1f} s, {len(changes.dropped)} dropped"
    )


# --- measuring -----------------------------------------------------------------------


def _timed(fn, runs: int) -> list[float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _backend_cpu_s() -> float:
    """CPU seconds of this connection's PostgreSQL backend (same host: /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _p(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def measure_mix(name: str, params: dict, buyer, client, key: str, runs: int) -> dict:
    from django.db import connection, reset_queries
    from django.utils import timezone

    from marketplace.catalog_params import catalog_filters_parse
    from marketplace.selectors.catalog import (
        CatalogPosition,
        catalog_count,
        catalog_count_sql,
        catalog_page_sql,
        catalog_query,
    )

    now = timezone.now()
    filters = catalog_filters_parse(params)
    query = catalog_query(buyer=buyer, filters=filters, now=now)
    condition = query.condition
    page_sql = catalog_page_sql(query, limit=PAGE)
    # The baseline: the same page by OFFSET, as a plain paginator would fetch it.
    listed = (
        f"FROM marketplace_lead v0 WHERE {condition.sql} ORDER BY v0.created_at DESC, v0.id DESC"
    )
    offset_sql = (
        f"SELECT v0.*, o.name FROM marketplace_lead v0 JOIN marketplace_organization o"
        f" ON o.id = v0.supplier_id WHERE {condition.sql}"
        " ORDER BY v0.created_at DESC, v0.id DESC LIMIT %s OFFSET %s",
        (*condition.params, PAGE + 1, DEEP),
    )
    count_sql = catalog_count_sql(query)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v0.created_at, v0.id {listed} LIMIT 1 OFFSET %s", (*condition.params, DEEP)
        )
        deep_row = cursor.fetchall()
    keyset_sql = None
    if deep_row:
        position = CatalogPosition(created_at=deep_row[0][0], id=deep_row[0][1])
        keyset_sql = catalog_page_sql(query, limit=PAGE, after=position)

    def run(sql_params):
        sql, args = sql_params
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            cursor.fetchall()
        reset_queries()

    result = {"mix": name, "params": params}
    result["first"] = _p(_timed(lambda: run(page_sql), runs))
    if keyset_sql is not None:
        result["keyset"] = _p(_timed(lambda: run(keyset_sql), runs))
        result["offset"] = _p(_timed(lambda: run(offset_sql), max(5, runs // 4)))
    count = catalog_count(query=query)
    result["matches"] = f"{count.value:,}{'' if count.exact else ' (estimate)'}"

    def count_once():
        catalog_count(query=query)
        reset_queries()

    result["count"] = _p(_timed(count_once, runs))
    result["count_sql"] = count_sql

    def api_once():
        response = client.get(
            "/api/v1/marketplace/leads/", params, HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        assert response.status_code == 200, response.content[:300]
        reset_queries()

    api_once()  # the process's first request pays for imports and URL resolvers
    process, backend = time.process_time(), _backend_cpu_s()
    result["api"] = _p(_timed(api_once, runs))
    # CPU per request (the timed runs and their warm-up), which the machine's load moves
    # less than the wall clock: this process (Django, DRF, JSON) and its PostgreSQL backend.
    result["cpu"] = (
        (time.process_time() - process) * 1000 / (runs + 1),
        (_backend_cpu_s() - backend) * 1000 / (runs + 1),
    )
    if keyset_sql is not None:
        # A page 10,000 deep through the API, as a client following next links gets it:
        # the cursor carries the first page's count, so this page does not count.
        from marketplace.catalog_cursor import catalog_scope, cursor_encode

        deep_cursor = cursor_encode(
            position,
            count=count,
            counted_at=int(time.time()),
            scope=catalog_scope(params, buyer.pk),
        )

        def api_deep_once():
            response = client.get(
                "/api/v1/marketplace/leads/",
                {**params, "cursor": deep_cursor},
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
            assert response.status_code == 200, response.content[:300]
            reset_queries()

        result["api_deep"] = _p(_timed(api_deep_once, runs))
    result["page_sql"] = page_sql
    return result


PLAIN = "bench_plain_lead"


def plain_reference(runs: int, segment_id: int, now: datetime) -> dict:
    """The issue's reference: the same leads in a plain table (the columns a listing
    shows or filters on, no personal data) with one partial index on
    ``(segment_id, created_at, id)``, queried without the buyer's rules (bought by me,
    same person, suspended suppliers, own leads): a segment's first page, a keyset page
    10,000 deep and the capped count, on the same machine in the same run. Built once
    per database (a --keep run keeps it)."""
    from django.db import connection

    since = now - timedelta(days=30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PLAIN])
        if not cursor.fetchone()[0]:
            cursor.execute(
                f"CREATE TABLE {PLAIN} AS SELECT id, segment_id, supplier_id, status,"
                " country, region, temperature, price_cents, cpa_price_cents, sales_count,"
                " max_sales, created_at FROM marketplace_lead"
            )
            cursor.execute(
                f"CREATE INDEX {PLAIN}_segment ON {PLAIN} (segment_id, created_at, id)"
                " WHERE status = 'available'"
            )
            cursor.execute(f"VACUUM ANALYZE {PLAIN}")
        where = f"FROM {PLAIN} WHERE segment_id = %s AND status = 'available' AND created_at >= %s"
        order = "ORDER BY created_at DESC, id DESC"
        cursor.execute(
            f"SELECT created_at, id {where} {order} LIMIT 1 OFFSET %s",
            [segment_id, since, DEEP],
        )
        deep = cursor.fetchone()

    def run(sql: str, args: list) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            cursor.fetchall()

    first = f"SELECT * {where} {order} LIMIT %s"
    keyset = f"SELECT * {where} AND (created_at, id) < (%s, %s) {order} LIMIT %s"
    count = f"SELECT count(*) FROM (SELECT 1 {where} LIMIT %s) c"
    result = {"first": _p(_timed(lambda: run(first, [segment_id, since, PAGE + 1]), runs))}
    if deep is not None:
        result["keyset"] = _p(
            _timed(lambda: run(keyset, [segment_id, since, *deep, PAGE + 1]), runs)
        )
    result["count"] = _p(_timed(lambda: run(count, [segment_id, since, 10_001]), runs))
    return result


def _segment_id(slug: str) -> int:
    from marketplace.models import Segment

    return Segment.objects.get(slug=slug).pk


def explain(sql_params: tuple[str, tuple]) -> str:
    from django.db import connection

    sql, args = sql_params
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", args)
        return "\n".join(row[0] for row in cursor.fetchall())


def _fmt(pair: tuple[float, float] | None) -> str:
    return "—" if pair is None else f"{pair[0]:6.2f} / {pair[1]:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40, help="timed runs per measure")
    parser.add_argument("--smoke", action="store_true", help="20,000 leads, 5 runs")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure again on the database a --keep run left (no reload); implies --keep",
    )
    parser.add_argument(
        "--buyer-sales",
        type=int,
        default=2_000,
        help="the buyer's purchases in the last 30 days (default 2,000)",
    )
    parser.add_argument(
        "--buyer-history",
        type=int,
        default=0,
        help="the buyer's purchases older than every window (leads 31+ days old)",
    )
    parser.add_argument(
        "--arrival",
        choices=["time", "random"],
        default="time",
        help="the table's row order: oldest first, as intake writes it (default), or"
        " random time order (every row a page read touches on its own page)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.leads, args.runs = 20_000, 5
    check_local(args.server, "bench/catalog.py")

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"load average before: {os.getloadavg()}")
    started = time.perf_counter()
    db_name = SMOKE_DB_NAME if args.smoke else DB_NAME
    if args.reuse:
        args.keep = True
        url = database_url(args.server, db_name)
    else:
        url = recreate_database(args.server, db_name)
    _django(url)
    from django.db import connection
    from django.test import Client

    rng = random.Random(20261203)
    now = datetime.now(UTC)
    try:
        if args.reuse:
            parties = reuse_parties()
        else:
            parties = setup_parties(rng)
            loaded = load(
                parties, args.leads, rng, now, arrival=args.arrival, sample=args.buyer_sales
            )
            bought = add_purchases(
                parties,
                loaded["available_sample"],
                rng,
                now,
                count=args.buyer_sales,
                history=args.buyer_history,
            )
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE marketplace_lead")
                cursor.execute("VACUUM ANALYZE marketplace_sale")
                cursor.execute("VACUUM ANALYZE marketplace_organization")
            print(
                f"loaded {args.leads:,} leads (COPY {loaded['copy_s']:.1f} s, indexes "
                f"{loaded['index_s']:.1f} s, {args.arrival} order), {bought:,} purchases"
                " by the buyer; "
                f"setup {time.perf_counter() - started:.0f} s"
            )
        attribute_indexes(reuse=args.reuse)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), pg_size_pretty(pg_total_relation_size('marketplace_lead')) "
                "FROM marketplace_lead"
            )
            total, size = cursor.fetchone()
        print(f"{total:,} leads, table and indexes {size}")
        client = Client()
        results = [
            measure_mix(name, params, parties["buyer"], client, parties["key"], args.runs)
            for name, params in MIXES
        ]
        print(f"\np50 / p95 in ms, {args.runs} runs each (offset: {max(5, args.runs // 4)})")
        header = (
            f"{'mix':24} {'matches':>18} {'first page':>17} {'keyset 10k deep':>17} "
            f"{'OFFSET 10k':>17} {'ratio':>6} {'count':>17} {'API':>17} {'API 10k deep':>17}"
        )
        print(header)
        for r in results:
            ratio = f"{r['offset'][1] / r['keyset'][1]:5.0f}x" if r.get("keyset") else "     —"
            print(
                f"{r['mix']:24} {r['matches']:>18} {_fmt(r['first']):>17} "
                f"{_fmt(r.get('keyset')):>17} {_fmt(r.get('offset')):>17} {ratio:>6} "
                f"{_fmt(r['count']):>17} {_fmt(r['api']):>17} {_fmt(r.get('api_deep')):>17}"
            )
        segment_mix = results[1]
        reference = plain_reference(args.runs, _segment_id("loans"), datetime.now(UTC))
        print(
            f"\nreference, {segment_mix['mix']}: a plain table, one partial index, no buyer"
            " rules (p50 / p95; the mix's p95 over the reference's in brackets)"
        )
        for part in ("first", "keyset", "count"):
            if part in reference and part in segment_mix:
                times = reference[part]
                ratio = segment_mix[part][1] / times[1]
                print(f"  {part:8} {_fmt(times)}   ({ratio:.2f}x)")
        print("\nCPU per API request, ms (this process / its PostgreSQL backend):")
        for r in results:
            print(f"{r['mix']:24} {r['cpu'][0]:7.2f} / {r['cpu'][1]:7.2f}")
        main_mix = results[1]
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) first page, {main_mix['mix']} {main_mix['params']}:")
        print(explain(main_mix["page_sql"]))
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) capped count, {main_mix['mix']}:")
        print(explain(main_mix["count_sql"]))
        print(f"\nload average after: {os.getloadavg()}")
    finally:
        connection.close()
        if not args.keep:
            _admin_execute(args.server, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
