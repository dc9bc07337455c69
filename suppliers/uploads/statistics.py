"""The lead table's statistics while an upload fills it (PostgreSQL).

Judging a chunk looks up the stored leads of its people by phone and email. The
plan PostgreSQL chooses for that depends on the lead table's statistics: taken
on a table that was empty or small (autovacuum analyses a minute after the
fact, if it runs at all), they make the look-up filter every lead of the
segment for each chunk, so a file's look-ups grow with the square of its size.

``LeadStatistics.chunk_stored`` is told of each stored chunk; every
``UPLOAD_ANALYZE_EVERY_CHUNKS`` chunks it reads (two catalog values, no scan)
how many leads changed since the table was last analysed, and when that is
more than ``UPLOAD_ANALYZE_MIN_ROWS`` and more than ``UPLOAD_ANALYZE_PERCENT``
percent of the rows the statistics describe, runs ``ANALYZE`` of the lead
table's looked-up columns — between chunks, not inside a chunk's transaction,
and skipped when another analyse (autovacuum's) holds the table. Elsewhere than
PostgreSQL it does nothing. (At 100,000 rows: the look-up stays at ~50 ms a
chunk instead of growing to ~200 ms; docs/performance.md, "Bulk uploads".)
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

from marketplace.models import Lead

logger = logging.getLogger(__name__)
# The columns judging looks leads up by (``suppliers.intake.lookups``): only their
# statistics are taken, a fraction of the cost of the whole table's (its encrypted
# and JSON columns), and all the look-up's plan needs.
_LOOKED_UP = (
    "segment",
    "phone_index",
    "email_index",
    "created_at",
    "status",
    "supplier",
    "external_id",
)


def analyze_due(*, changed: int, described: float) -> bool:
    """Whether ``changed`` rows since the last ANALYZE are enough to run it again, for
    statistics that describe ``described`` rows (negative: never analysed)."""
    described = max(described, 0)
    return (
        changed > settings.UPLOAD_ANALYZE_MIN_ROWS
        and changed * 100 > described * settings.UPLOAD_ANALYZE_PERCENT
    )


class LeadStatistics:
    """Keeps the lead table analysed during one run of an upload."""

    def __init__(self) -> None:
        self.enabled = connection.vendor == "postgresql"
        self.chunks = 0
        # Leads this run stored since it last analysed: the server's own count
        # (n_mod_since_analyze) reaches the statistics views up to a second late.
        self.stored = 0
        self.analysed = False

    def chunk_stored(self, leads: int) -> bool:
        """Note a stored chunk of ``leads`` leads; True when the table was analysed."""
        if not self.enabled:
            return False
        self.chunks += 1
        self.stored += leads
        if self.chunks % settings.UPLOAD_ANALYZE_EVERY_CHUNKS:
            return False
        table = Lead._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples, pg_stat_get_mod_since_analyze(oid) FROM pg_class"
                " WHERE oid = %s::regclass",
                [table],
            )
            described, changed = cursor.fetchone()
            # The server's count is not reset by an ANALYZE of some columns (it stays
            # for autovacuum's whole one): once this run has analysed, its own count.
            changed = self.stored if self.analysed else max(changed, self.stored)
            if not analyze_due(changed=changed, described=described):
                return False
            quote = connection.ops.quote_name
            columns = ", ".join(quote(Lead._meta.get_field(name).column) for name in _LOOKED_UP)
            cursor.execute(f"ANALYZE (SKIP_LOCKED) {quote(table)} ({columns})")
        logger.info(
            "lead table analysed: %s leads changed since, statistics of %s",
            changed,
            int(max(described, 0)),
        )
        self.stored, self.analysed = 0, True
        return True
