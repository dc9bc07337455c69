"""Lead intake: validate, normalize, deduplicate and store what suppliers send.

The API (single and batch), file uploads and the demo seeder all submit leads
through ``lead_submit``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from marketplace.errors import ApplicationError
from marketplace.models import Lead, LeadStatus, Organization, RejectionReason, Segment, Suppression
from suppliers.intake.locks import lock_people
from suppliers.intake.validation import LeadDraft, validate_lead

logger = logging.getLogger(__name__)


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


def active_segments() -> dict[str, Segment]:
    return {segment.slug: segment for segment in Segment.objects.filter(is_active=True)}


def _rejection_reasons(draft: LeadDraft, *, now: datetime) -> tuple[list[str], Lead | None]:
    reasons: list[str] = []
    indexes = draft.person_indexes
    if Suppression.objects.filter(blind_index__in=indexes).exists():
        reasons.append(RejectionReason.SUPPRESSED)
    if not draft.has_consent:
        reasons.append(RejectionReason.NO_CONSENT)
    same_person = Q()
    if draft.phone_index:
        same_person |= Q(phone_index=draft.phone_index)
    if draft.email_index:
        same_person |= Q(email_index=draft.email_index)
    window_start = now - timedelta(days=draft.segment.dedup_window_days)
    original = (
        Lead.objects.filter(same_person, segment=draft.segment, created_at__gte=window_start)
        .exclude(status=LeadStatus.REJECTED)
        .only("id")
        .order_by("created_at")
        .first()
    )
    if original is not None:
        reasons.append(RejectionReason.DUPLICATE)
    return reasons, original


def _existing(supplier: Organization, external_id: str) -> Lead | None:
    return (
        Lead.objects.filter(supplier=supplier, external_id=external_id)
        .select_related("segment")
        .first()
    )


def _store(*, supplier: Organization, draft: LeadDraft, now: datetime) -> IntakeResult:
    with transaction.atomic():
        lock_people(segment_id=draft.segment.pk, indexes=draft.person_indexes)
        existing = _existing(supplier, draft.external_id)
        if existing is not None:
            return IntakeResult(lead=existing, created=False)
        reasons, original = _rejection_reasons(draft, now=now)
        lead = Lead(
            supplier=supplier,
            segment=draft.segment,
            external_id=draft.external_id,
            status=LeadStatus.REJECTED if reasons else LeadStatus.AVAILABLE,
            rejection_reasons=[str(reason) for reason in reasons],
            duplicate_of=original,
            first_name=draft.first_name,
            last_name=draft.last_name,
            phone=draft.phone,
            email=draft.email,
            phone_index=draft.phone_index,
            email_index=draft.email_index,
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
        try:
            with transaction.atomic():
                lead.save(force_insert=True)
        except IntegrityError:
            # The same external_id committed by a concurrent request: answer with that one.
            existing = _existing(supplier, draft.external_id)
            if existing is None:
                raise
            return IntakeResult(lead=existing, created=False)
    logger.info(
        "lead stored id=%s supplier=%s segment=%s status=%s reasons=%s",
        lead.pk,
        supplier.pk,
        draft.segment.slug,
        lead.status,
        ",".join(lead.rejection_reasons) or "-",
    )
    return IntakeResult(lead=lead, created=True)


def lead_submit(
    *,
    supplier: Organization,
    payload: object,
    segments: Mapping[str, Segment] | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Judge and store one lead. Raises ValidationFailed for a malformed lead
    (nothing stored); a suppressed, unconsented or duplicate person is stored
    as ``rejected`` with its reasons. A resent ``external_id`` returns the
    lead stored the first time and stores nothing."""
    now = now or timezone.now()
    draft = validate_lead(
        payload, segments=segments if segments is not None else active_segments(), now=now
    )
    existing = _existing(supplier, draft.external_id)
    if existing is not None:
        return IntakeResult(lead=existing, created=False)
    return _store(supplier=supplier, draft=draft, now=now)


def lead_submit_batch(
    *, supplier: Organization, payloads: Sequence[object]
) -> list[BatchItemResult]:
    """Judge each lead on its own: one bad lead does not stop the others."""
    segments = active_segments()
    results: list[BatchItemResult] = []
    for index, payload in enumerate(payloads):
        try:
            result = lead_submit(supplier=supplier, payload=payload, segments=segments)
        except ApplicationError as exc:
            results.append(BatchItemResult(index=index, error=exc))
        else:
            results.append(BatchItemResult(index=index, result=result))
    return results
