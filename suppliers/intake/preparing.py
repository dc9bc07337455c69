"""Leads made ready to be judged and stored, with no database access.

``leads_prepare`` is everything of an intake that does not depend on what is
stored: ``validate_lead`` (the one set of rules), and on PostgreSQL the COPY
text of every column that judging does not decide — blind indexes, the stored
preview and the encrypted personal fields included. Being pure, it can run in
another process (``suppliers.uploads.pipeline``) while the previous chunk is
judged and stored; a crash there only means preparing again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from marketplace.errors import ApplicationError
from marketplace.ids import new_id
from marketplace.models import Segment
from suppliers.intake.copying import draft_rows
from suppliers.intake.validation import LeadDraft, validate_lead


@dataclass(slots=True)
class PreparedLead:
    """A validated lead: what judging needs, and its stored form. ``row`` is the COPY
    text of its fixed columns (PostgreSQL); elsewhere ``draft`` is kept to build it."""

    id: object
    external_id: str
    segment_id: int
    phone_index: str
    email_index: str
    has_consent: bool
    row: str | None = None
    draft: LeadDraft | None = None

    @property
    def person_indexes(self) -> list[str]:
        return [index for index in (self.phone_index, self.email_index) if index]

    def __reduce__(self) -> tuple:
        # Sent pickled from a preparing process, a thousand a chunk: positional fields
        # and the id as its integer, instead of the slotted dataclass's per-field state
        # and UUID's own (a third of the cost of preparing a lead, the other way).
        return (
            _prepared_lead,
            (
                self.id.int if isinstance(self.id, uuid.UUID) else self.id,
                self.external_id,
                self.segment_id,
                self.phone_index,
                self.email_index,
                self.has_consent,
                self.row,
                self.draft,
            ),
        )


def _prepared_lead(id_: object, *fields: object) -> PreparedLead:
    return PreparedLead(uuid.UUID(int=id_) if isinstance(id_, int) else id_, *fields)


def leads_prepare(
    payloads: Sequence[object],
    *,
    segments: Mapping[str, Segment],
    supplier_id: int,
    now: datetime,
) -> list[PreparedLead | ApplicationError]:
    """Each payload validated and prepared, or its ValidationFailed, in the order sent."""
    outcomes: list[PreparedLead | ApplicationError] = []
    drafts: list[LeadDraft] = []
    for payload in payloads:
        try:
            draft = validate_lead(payload, segments=segments, now=now)
        except ApplicationError as exc:
            outcomes.append(exc)
            continue
        drafts.append(draft)
        outcomes.append(
            PreparedLead(
                id=new_id(),
                external_id=draft.external_id,
                segment_id=draft.segment.pk,
                phone_index=draft.phone_index,
                email_index=draft.email_index,
                has_consent=draft.has_consent,
                draft=draft,
            )
        )
    prepared = [item for item in outcomes if isinstance(item, PreparedLead)]
    if connection.vendor == "postgresql" and prepared:
        rows = draft_rows(
            drafts, ids=[item.id for item in prepared], supplier_id=supplier_id, now=now
        )
        for item, row in zip(prepared, rows, strict=True):
            item.row, item.draft = row, None
    return outcomes
