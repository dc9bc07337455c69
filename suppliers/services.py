"""Lead intake: validate, normalize, deduplicate and store what suppliers send.

The API (single and batch), file uploads and the demo seeder all submit leads
through ``lead_submit_many`` (``lead_submit`` is its one-lead form). It judges
a whole submission with a fixed number of queries, whatever its size: the
supplier's earlier external ids, the suppression list and the earlier leads of
the same people are read in one statement (``intake.lookups``), then every
accepted or rejected lead is inserted in bulk, all in one transaction under the
locks of ``intake.locks``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.errors import ApplicationError
from marketplace.ids import new_id
from marketplace.models import Lead, LeadStatus, Organization, RejectionReason, Segment
from marketplace.previews import preview_of
from marketplace.selectors.segments import active_segments_by_slug
from suppliers.intake.copying import judged_text, leads_insert, rows_insert
from suppliers.intake.locks import lock_people
from suppliers.intake.lookups import Known, People, known_facts
from suppliers.intake.preparing import PreparedLead
from suppliers.intake.validation import LeadDraft, validate_lead

logger = logging.getLogger(__name__)

_MAX_ATTEMPTS = 3
T = TypeVar("T")
_EXTERNAL_ID_CONSTRAINT = "lead_unique_external_id"


@dataclass(frozen=True)
class IntakeResult:
    """What happened to one submitted lead. ``created`` is False on a resend."""

    lead: Lead
    created: bool


@dataclass(frozen=True)
class BatchItemResult:
    index: int
    result: IntakeResult | None = None
    error: ApplicationError | None = None


class _LostInsertRace(Exception):
    """A concurrent request stored one of our external ids first: judge again."""


def active_segments() -> dict[str, Segment]:
    return active_segments_by_slug()


def _stored_leads(resent_ids: list) -> dict[str, Lead]:
    """The leads of a resend, in full (their first answer is given again)."""
    if not resent_ids:
        return {}
    return {
        lead.external_id: lead
        for lead in Lead.objects.filter(pk__in=resent_ids).select_related("segment")
    }


class _Candidate(Protocol):
    """A validated lead as judging sees it (a ``LeadDraft`` or a ``PreparedLead``)."""

    external_id: str
    phone_index: str
    email_index: str
    has_consent: bool

    @property
    def segment_id(self) -> int: ...

    @property
    def person_indexes(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """What judging decided for a new lead; ``None`` in its place means a resend."""

    id: object
    status: str
    reasons: list[str]
    duplicate_of: object | None


def _people(
    candidates: Sequence[_Candidate], *, windows: Mapping[int, int], now: datetime
) -> dict[int, People]:
    """Each segment's people in the submission, with its dedup window's start."""
    people: dict[int, People] = {}
    for candidate in candidates:
        group = people.get(candidate.segment_id)
        if group is None:
            since = now - timedelta(days=windows[candidate.segment_id])
            group = people[candidate.segment_id] = People(since=since)
        if candidate.phone_index:
            group.phones.add(candidate.phone_index)
        if candidate.email_index:
            group.emails.add(candidate.email_index)
    return people


def _judge(
    candidates: Sequence[_Candidate],
    *,
    ids: Sequence[object],
    supplier: Organization,
    windows: Mapping[int, int],
    now: datetime,
) -> tuple[Known, list[Verdict | None]]:
    """The lead rules that depend on what is stored, for every candidate in order
    (the caller holds the transaction): lock the people, ask what is known in one
    statement, and decide. ``None`` for a resent external id (sent before, or
    earlier in this submission)."""
    lock_people(people=[(c.segment_id, index) for c in candidates for index in c.person_indexes])
    # One statement: the resent external ids, the suppressed people and the
    # earlier accepted leads of every person sent (facts about a resent draft's
    # person are harmless: only fresh drafts are judged on them).
    known = known_facts(
        supplier=supplier,
        external_ids={c.external_id for c in candidates},
        people=_people(candidates, windows=windows, now=now),
    )
    sent = set(known.resent)
    suppressed, originals = known.suppressed, known.originals
    accepted_status = LeadStatus.HELD if supplier.holds_new_leads else LeadStatus.AVAILABLE
    verdicts: list[Verdict | None] = []
    for candidate, lead_id in zip(candidates, ids, strict=True):
        if candidate.external_id in sent:
            verdicts.append(None)
            continue
        sent.add(candidate.external_id)
        reasons: list[str] = []
        if any(index in suppressed for index in candidate.person_indexes):
            reasons.append(str(RejectionReason.SUPPRESSED))
        if not candidate.has_consent:
            reasons.append(str(RejectionReason.NO_CONSENT))
        keys = [(candidate.segment_id, index) for index in candidate.person_indexes]
        original = next((originals[key] for key in keys if key in originals), None)
        if original is not None:
            reasons.append(str(RejectionReason.DUPLICATE))
        if not reasons:  # an accepted lead makes later copies in this submission duplicates
            for key in keys:
                originals.setdefault(key, lead_id)
        status = LeadStatus.REJECTED if reasons else accepted_status
        verdicts.append(Verdict(id=lead_id, status=status, reasons=reasons, duplicate_of=original))
    return known, verdicts


def _is_external_id_clash(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)  # PostgreSQL names the constraint
    if diag is not None:
        return diag.constraint_name == _EXTERNAL_ID_CONSTRAINT
    return "marketplace_lead.external_id" in str(exc)  # SQLite names the columns


def _new_lead(*, supplier: Organization, draft: LeadDraft, verdict: Verdict, now: datetime) -> Lead:
    return Lead(
        id=verdict.id,
        supplier=supplier,
        segment=draft.segment,
        external_id=draft.external_id,
        status=verdict.status,
        rejection_reasons=verdict.reasons,
        duplicate_of_id=verdict.duplicate_of,
        first_name=draft.first_name,
        last_name=draft.last_name,
        phone=draft.phone,
        email=draft.email,
        phone_index=draft.phone_index,
        email_index=draft.email_index,
        preview=preview_of(draft),  # what buyers see before buying: the catalog never decrypts
        country=draft.country,
        region=draft.region,
        city=draft.city,
        postal_code=draft.postal_code,
        temperature=draft.temperature,
        source=draft.source,
        captured_at=draft.captured_at,
        consent_text=draft.consent_text,
        consent_captured_at=draft.consent_captured_at,
        consent_ip=draft.consent_ip,
        consent_page_url=draft.consent_page_url,
        consent_certificate_url=draft.consent_certificate_url,
        qualification=draft.qualification,
        attributes=draft.attributes,
        price_cents=draft.price_cents,
        cpa_price_cents=draft.cpa_price_cents,
        max_sales=draft.max_sales,
        created_at=now,
    )


def _judge_and_store(
    *, supplier: Organization, drafts: Sequence[tuple[int, LeadDraft]], now: datetime
) -> list[tuple[int, IntakeResult]]:
    with transaction.atomic():
        known, verdicts = _judge(
            [draft for _, draft in drafts],
            ids=[new_id() for _ in drafts],
            supplier=supplier,
            windows={draft.segment.pk: draft.segment.dedup_window_days for _, draft in drafts},
            now=now,
        )
        stored = _stored_leads(list(known.resent.values()))
        results: list[tuple[int, IntakeResult]] = []
        new_leads: list[Lead] = []
        for (position, draft), verdict in zip(drafts, verdicts, strict=True):
            if verdict is None:  # sent before, or earlier in this submission: the first answer
                results.append(
                    (position, IntakeResult(lead=stored[draft.external_id], created=False))
                )
                continue
            lead = _new_lead(supplier=supplier, draft=draft, verdict=verdict, now=now)
            stored[draft.external_id] = lead
            new_leads.append(lead)
            results.append((position, IntakeResult(lead=lead, created=True)))
        _insert(leads_insert, new_leads)  # COPY on PostgreSQL
    return results


def _judging_again_on_a_lost_race(judge_and_store: Callable[[], T]) -> T:
    """Run ``judge_and_store`` (one transaction) again while its insert loses a race
    for an external id (``_LostInsertRace``), up to ``_MAX_ATTEMPTS`` times."""
    for _attempt in range(1, _MAX_ATTEMPTS):
        try:
            return judge_and_store()
        except _LostInsertRace:
            continue  # rolled back: judge again against what is stored now
    return judge_and_store()


def _insert(store: Callable[..., None], *args: object) -> None:
    # A concurrent request with another person may have stored one of these
    # external ids since we looked (the person locks don't cover it): the
    # unique constraint refuses the insert, and the caller judges again.
    try:
        store(*args)
    except IntegrityError as exc:
        if not _is_external_id_clash(exc):
            raise
        raise _LostInsertRace from exc  # roll back and judge against what is stored now


def lead_submit_many(
    *,
    supplier: Organization,
    payloads: Sequence[object],
    segments: Mapping[str, Segment] | None = None,
    now: datetime | None = None,
) -> list[BatchItemResult]:
    """Judge and store several leads, each on its own merits, in the order sent.

    A malformed lead gets its ValidationFailed (nothing stored); a suppressed,
    unconsented or duplicate person is stored as ``rejected`` with its reasons;
    a resent ``external_id`` returns the lead stored the first time and stores
    nothing. Copies of one person inside the submission are duplicates of the
    first accepted one.
    """
    now = now or timezone.now()
    segments = segments if segments is not None else active_segments()
    outcomes: dict[int, BatchItemResult] = {}
    drafts: list[tuple[int, LeadDraft]] = []
    for position, payload in enumerate(payloads):
        try:
            drafts.append((position, validate_lead(payload, segments=segments, now=now)))
        except ApplicationError as exc:
            outcomes[position] = BatchItemResult(index=position, error=exc)
    if drafts:
        stored = _judging_again_on_a_lost_race(
            lambda: _judge_and_store(supplier=supplier, drafts=drafts, now=now)
        )
        for position, result in stored:
            outcomes[position] = BatchItemResult(index=position, result=result)
    results = [outcomes[position] for position in range(len(payloads))]
    created = [
        item.result.lead for item in results if item.result is not None and item.result.created
    ]
    logger.info(
        "intake supplier=%s received=%d stored=%d rejected=%d resent=%d invalid=%d",
        supplier.pk,
        len(payloads),
        len(created),
        sum(1 for lead in created if lead.status == LeadStatus.REJECTED),
        sum(1 for item in results if item.result is not None and not item.result.created),
        sum(1 for item in results if item.error is not None),
    )
    return results


def lead_submit(
    *,
    supplier: Organization,
    payload: object,
    segments: Mapping[str, Segment] | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Judge and store one lead (see ``lead_submit_many``); raises its ValidationFailed."""
    (item,) = lead_submit_many(supplier=supplier, payloads=[payload], segments=segments, now=now)
    if item.error is not None:
        raise item.error
    return item.result


def lead_submit_batch(
    *, supplier: Organization, payloads: Sequence[object]
) -> list[BatchItemResult]:
    """Judge each lead on its own: one bad lead does not stop the others."""
    return lead_submit_many(supplier=supplier, payloads=payloads)


def lead_submit_prepared(
    *,
    supplier: Organization,
    prepared: Sequence[PreparedLead],
    segments: Mapping[str, Segment],
    now: datetime,
) -> list[Verdict | None]:
    """Judge and store leads made by ``leads_prepare`` (an upload's chunk): the same
    rules and storing as ``lead_submit_many``, answered without building ``Lead``s.
    ``None`` for a resent external id, which stores nothing."""
    windows = {segment.pk: segment.dedup_window_days for segment in segments.values()}

    def judge_and_store() -> list[Verdict | None]:
        with transaction.atomic():
            _known, verdicts = _judge(
                prepared,
                ids=[item.id for item in prepared],
                supplier=supplier,
                windows=windows,
                now=now,
            )
            _insert(_store_prepared, supplier, prepared, verdicts, now)
        return verdicts

    verdicts = _judging_again_on_a_lost_race(judge_and_store)
    created = [verdict for verdict in verdicts if verdict is not None]
    logger.info(
        "intake supplier=%s received=%d stored=%d rejected=%d resent=%d invalid=%d",
        supplier.pk,
        len(prepared),
        len(created),
        sum(1 for verdict in created if verdict.status == LeadStatus.REJECTED),
        len(verdicts) - len(created),
        0,
    )
    return verdicts


def _store_prepared(
    supplier: Organization,
    prepared: Sequence[PreparedLead],
    verdicts: Sequence[Verdict | None],
    now: datetime,
) -> None:
    new = [(item, verdict) for item, verdict in zip(prepared, verdicts, strict=True) if verdict]
    if all(item.row is not None for item, _ in new):
        rows_insert(
            [
                item.row
                + "\t"
                + judged_text(
                    status=verdict.status,
                    reasons=verdict.reasons,
                    duplicate_of=verdict.duplicate_of,
                )
                for item, verdict in new
            ]
        )
        return
    leads_insert(  # not PostgreSQL: the drafts were kept
        [
            _new_lead(supplier=supplier, draft=item.draft, verdict=verdict, now=now)
            for item, verdict in new
        ]
    )
