"""What intake must know before judging a submission, asked in one SQL statement.

Three questions: which of these external ids did the supplier send before,
which of these people are suppressed, and which accepted lead of each person
is the earliest inside its segment's dedup window (asked by phone and by email
apart, so that each is answered from its partial index, ``lead_dedup_phone``
and ``lead_dedup_email``). As three ORM queries,
building them cost more than running them (docs/performance.md); as one
``UNION ALL`` they are one round trip and nothing to compile. The SQL is
portable (PostgreSQL, and SQLite for the demo) and built from the models'
metadata and constants only (hence ruff's S608 silenced): every value is a
bound parameter.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from marketplace.models import Lead, LeadStatus, Organization, Suppression

_RESENT, _SUPPRESSED, _EARLIER = "r", "s", "e"


@dataclass(frozen=True)
class People:
    """The people of one segment in a submission, and where its dedup window starts."""

    since: datetime
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


@dataclass
class Known:
    # external id sent before → the id of the lead stored then
    resent: dict[str, object] = field(default_factory=dict)
    suppressed: set[str] = field(default_factory=set)
    # (segment id, blind index) → id of the earliest accepted lead of that person
    originals: dict[tuple[int, str], object] = field(default_factory=dict)


def _placeholders(values: Collection[str]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _matching(column: str, values: Collection[str]) -> tuple[str, str, list[object]]:
    """What to join, the condition and their parameters for "``column`` is one of ``values``".

    PostgreSQL: a join with the values as one array (``unnest``), so each value is one
    probe of the column's index whatever the table's statistics say; with an IN list of
    a thousand values, a plan made on statistics older than the table (an upload fills
    it faster than they are taken) walked the index on the segment alone and filtered
    every lead of it. Elsewhere (the SQLite demo): the IN list. The same rows either
    way: the values are distinct, so each lead matches at most one of them."""
    if connection.vendor == "postgresql":
        join = " JOIN unnest(%s::text[]) AS wanted(value) ON " + column + " = wanted.value"
        return join, "TRUE", [sorted(values)]
    return "", f"{column} IN {_placeholders(values)}", sorted(values)


def _column(model: type, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def known_facts(
    *, supplier: Organization, external_ids: Collection[str], people: Mapping[int, People]
) -> Known:
    quote = connection.ops.quote_name
    lead, suppression = quote(Lead._meta.db_table), quote(Suppression._meta.db_table)
    col = {name: _column(Lead, name) for name in (
        "id", "supplier", "external_id", "segment", "phone_index", "email_index",
        "created_at", "status",
    )}  # fmt: skip
    parts: list[str] = []
    params: list[object] = []
    # The typed columns (lead id, segment id, created_at) come first: PostgreSQL
    # types each UNION column from the left, and an untyped NULL takes the type
    # of what came before it.
    for segment_id, group in people.items():
        # One branch per kind of index, each with its partial index's condition spelled
        # out: PostgreSQL cannot prove "<> ''" from an IN list of more than 100 values,
        # and without it (or with the two joined by OR) it scanned every lead of the
        # segment for each chunk. A lead found by both comes twice; the first wins below.
        for column, indexes in (("phone_index", group.phones), ("email_index", group.emails)):
            if not indexes:
                continue
            values, matches, matching_params = _matching(col[column], indexes)
            parts.append(
                f"SELECT '{_EARLIER}', {col['id']}, {col['segment']}, {col['phone_index']},"  # noqa: S608
                f" {col['email_index']}, {col['created_at']} FROM {lead}{values}"
                # The join's and the match's parameters come first, as they are bound.
                f" WHERE {matches} AND {col['segment']} = %s"
                f" AND {col[column]} <> '' AND {col['created_at']} >= %s"
                f" AND {col['status']} <> %s"
            )
            params += [
                *matching_params,
                segment_id,
                Lead._meta.get_field("created_at").get_db_prep_value(group.since, connection),
                LeadStatus.REJECTED.value,
            ]
    if external_ids:
        parts.append(
            f"SELECT '{_RESENT}', {col['id']}, NULL, {col['external_id']}, NULL, NULL"  # noqa: S608
            f" FROM {lead}"
            f" WHERE {col['supplier']} = %s AND {col['external_id']} IN"
            f" {_placeholders(external_ids)}"
        )
        params += [
            Lead._meta.get_field("supplier").get_db_prep_value(supplier.pk, connection),
            *sorted(external_ids),
        ]
    indexes = {index for group in people.values() for index in group.phones | group.emails}
    if indexes:
        blind_index = _column(Suppression, "blind_index")
        parts.append(
            f"SELECT '{_SUPPRESSED}', NULL, NULL, {blind_index}, NULL, NULL"  # noqa: S608
            f" FROM {suppression}"
            f" WHERE {blind_index} IN {_placeholders(indexes)}"
        )
        params += sorted(indexes)
    known = Known()
    if not parts:
        return known
    # The earliest accepted lead first (as created, then by its time-ordered id). Built
    # from the models' metadata and constants only: every value is a bound parameter.
    sql = " UNION ALL ".join(parts) + " ORDER BY 6, 2"
    if connection.vendor == "postgresql":
        # No parallel plan: the look-up is a few thousand index probes (~10-20 ms), and
        # starting and gathering two parallel workers for it cost more than the probes
        # (35-55 ms a chunk, and the workers' CPU). Same statement, same round trip; the
        # setting lasts to the end of the transaction (or of this statement, outside one).
        sql = "SET LOCAL max_parallel_workers_per_gather = 0; " + sql
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    lead_id_of = Lead._meta.pk.to_python  # SQLite returns the id as its stored text
    for kind, stored_id, segment_id, first_index, second_index, _ in rows:
        lead_id = None if stored_id is None else lead_id_of(stored_id)
        if kind == _RESENT:
            known.resent[first_index] = lead_id
        elif kind == _SUPPRESSED:
            known.suppressed.add(first_index)
        else:
            group = people[int(segment_id)]
            for index in (first_index, second_index):
                if index and (index in group.phones or index in group.emails):
                    known.originals.setdefault((int(segment_id), index), lead_id)
    return known
