"""Returns: the buyer's request, the objective check, the supplier's answer,
and the acceptance of returns left unanswered.

Lock order, the same in every path here and in ``disputes``: the sale row
(``select_for_update``), then the return (a conditional UPDATE that claims the
transition: 0 rows means someone else moved it first), then billing's locks
inside its services: the sale's earnings hold, then the accounts.

An open return freezes the sale's earnings in pending (``earnings_hold_freeze``);
its end lifts the freeze, before a refund takes the share back from pending.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.services import earnings_hold_freeze, earnings_hold_unfreeze
from marketplace.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from marketplace.models import Organization, Sale, SaleEvent, SaleStatus, User
from quality.buyer_record import buyer_record_flag
from quality.models import (
    OPEN_RETURN_STATUSES,
    DecidedBy,
    Dispute,
    DisputeCause,
    Evidence,
    EvidenceParty,
    Return,
    ReturnEvent,
    ReturnStatus,
)
from quality.selectors import buyer_over_return_cap
from quality.services.checks import objective_check
from quality.services.evidence import (
    StoredFile,
    evidence_file_discard,
    evidence_file_store,
    evidence_note_check,
)
from quality.services.money import sale_money_reverse
from quality.services.notify import return_event_notify

logger = logging.getLogger(__name__)


# --- shared steps ---------------------------------------------------------------------


NOT_FOUND = {
    "purchase": gettext_lazy("No such purchase."),
    "return": gettext_lazy("No such return."),
    "dispute": gettext_lazy("No such dispute."),
    "supplier": gettext_lazy("No such supplier."),
    "lead": gettext_lazy("No such lead."),
    "request": gettext_lazy("No such request."),
}
FIELD_NAMES = {
    "comment": gettext_lazy("comment"),
    "note": gettext_lazy("note"),
    "reason": gettext_lazy("reason"),
}


def object_id(value: object, *, what: str) -> uuid.UUID:
    """An id from a URL or a body; anything malformed is simply not found."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(str(NOT_FOUND.get(what, gettext_lazy("Not found.")))) from None


def text_check(value: object, *, field: str, required: bool = False) -> str:
    name = {"field": FIELD_NAMES.get(field, field)}
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(
            _("The %(field)s must be text.") % name, fields={field: [_("Text.")]}
        )
    text = (value or "").strip()
    limit = settings.QUALITY_RETURN_COMMENT_MAX_CHARS
    if "\x00" in text:
        raise ValidationFailed(
            _("Text may not contain NUL characters."), fields={field: [_("NUL.")]}
        )
    if len(text) > limit:
        raise ValidationFailed(
            _("The %(field)s is too long.") % name,
            fields={field: [_("At most %(limit)s characters.") % {"limit": limit}]},
        )
    if required and not text:
        raise ValidationFailed(
            _("The %(field)s is required.") % name, fields={field: [_("Required.")]}
        )
    return text


def sale_lock(sale_id: object) -> Sale:
    return (
        Sale.objects.select_for_update(of=("self",))
        .select_related("lead", "segment")
        .get(pk=sale_id)
    )


def return_claim(
    ret: Return,
    *,
    to: str,
    kind: str,
    allowed: tuple[str, ...] = (ReturnStatus.REQUESTED,),
    decided_by: str = "",
    actor: User | None = None,
    note: str = "",
    data: dict | None = None,
    extra: dict | None = None,
) -> ReturnEvent:
    """Move the return from one of ``allowed`` to ``to`` by a conditional UPDATE and
    record the transition; 409 when it had already moved."""
    now = timezone.now()
    fields: dict = {"status": to, "updated_at": now, **(extra or {})}
    if decided_by:
        fields.update(decided_by=decided_by, decided_at=now)
    if not Return.objects.filter(pk=ret.pk, status__in=allowed).update(**fields):
        current = Return.objects.filter(pk=ret.pk).values_list("status", flat=True).first()
        label = ReturnStatus(current).label.lower() if current in ReturnStatus.values else ""
        raise Conflict(_("This return is already %(status)s.") % {"status": label})
    from_status = ret.status
    for name, value in fields.items():
        setattr(ret, name, value)
    event = ReturnEvent.objects.create(
        ret=ret,
        kind=kind,
        from_status=from_status,
        to_status=to,
        actor=actor,
        note=note,
        data=data or {},
    )
    return_event_notify(event)
    return event


def return_reverse(
    ret: Return,
    sale: Sale,
    *,
    to: str,
    kind: str,
    decided_by: str,
    allowed: tuple[str, ...] = (ReturnStatus.REQUESTED,),
    actor: User | None = None,
    note: str = "",
) -> None:
    """Accept or refund a return: claim it, reverse the money through billing, mark the
    sale returned. ``sale`` must be locked by the caller."""
    if sale.status == SaleStatus.RETURNED:
        raise Conflict(_("This purchase was already returned."))
    event = return_claim(
        ret, to=to, kind=kind, allowed=allowed, decided_by=decided_by, actor=actor, note=note
    )
    # Before the money: the hold's lock comes before the accounts' (as in the release).
    # The refund then takes the share from pending and the hold releases nothing.
    earnings_hold_unfreeze(sale_id=sale.pk)
    money = sale_money_reverse(sale=sale, return_id=ret.pk)
    event.data = {**event.data, "money": money}
    event.save(update_fields=["data"])
    now = timezone.now()
    if not Sale.objects.filter(pk=sale.pk, status=sale.status).update(
        status=SaleStatus.RETURNED, returned_at=now
    ):
        raise Conflict(_("The purchase changed while it was being returned."))
    SaleEvent.objects.create(
        sale=sale,
        kind="returned",
        from_status=sale.status,
        to_status=SaleStatus.RETURNED,
        data={"return_id": str(ret.pk), "money": money, "decided_by": decided_by},
        actor=actor,
    )
    sale.status, sale.returned_at = SaleStatus.RETURNED, now


def evidence_add(
    ret: Return, *, party: str, note: str, stored: StoredFile | None, user: User | None
) -> Evidence | None:
    if not note and stored is None:
        return None
    return Evidence.objects.create(
        ret=ret,
        party=party,
        note=note,
        file=stored.name if stored else "",
        file_name=stored.original_name if stored else "",
        content_type=stored.content_type if stored else "",
        size_bytes=stored.size_bytes if stored else 0,
        uploaded_by=user,
    )


def dispute_open(ret: Return, *, cause: str, grounds: dict | None = None) -> Dispute:
    return Dispute.objects.create(ret=ret, cause=cause, grounds=grounds or {})


# --- the buyer asks ---------------------------------------------------------------------


def return_request(
    *,
    buyer: Organization,
    sale_id: object,
    reason: object,
    comment: object = "",
    evidence_note: object = "",
    evidence_file: UploadedFile | None = None,
    user: User | None = None,
) -> Return:
    """A buyer returns one of its purchases inside the sale's return window.

    An objective reason the platform confirms is accepted (and the money
    reversed) at once; anything else waits for the supplier until ``respond_by``.
    """
    pk = object_id(sale_id, what="purchase")
    comment = text_check(comment, field="comment")
    note = evidence_note_check(evidence_note)
    sale = Sale.objects.select_related("segment").filter(pk=pk, buyer=buyer).first()
    if sale is None:
        raise NotFound(_("No such purchase."))
    if not isinstance(reason, str) or reason not in sale.segment.return_reason_codes:
        codes = ", ".join(sorted(sale.segment.return_reason_codes))
        raise ValidationFailed(
            _("Not a return reason of this segment."),
            fields={"reason": [_("One of: %(codes)s.") % {"codes": codes}]},
        )
    stored = evidence_file_store(evidence_file)
    try:
        return _return_create(
            sale_id=sale.pk, reason=reason, comment=comment, note=note, stored=stored, user=user
        )
    except BaseException:
        evidence_file_discard(stored)
        raise


@transaction.atomic
def _return_create(
    *, sale_id: object, reason: str, comment: str, note: str, stored: StoredFile | None, user
) -> Return:
    sale = sale_lock(sale_id)
    now = timezone.now()
    if sale.status == SaleStatus.RETURNED:
        raise Conflict(_("This purchase was already returned."))
    if now > sale.return_deadline:
        raise Conflict(
            _("The return window of this purchase has closed."),
            extra={"return_deadline": sale.return_deadline.isoformat()},
        )
    previous = set(Return.objects.filter(sale=sale).values_list("status", flat=True))
    if previous & set(OPEN_RETURN_STATUSES):
        raise Conflict(_("This purchase already has an open return."))
    if ReturnStatus.REJECTED in previous:
        raise Conflict(_("A moderator already rejected a return of this purchase."))
    ret = Return.objects.create(
        sale=sale,
        buyer_id=sale.buyer_id,
        supplier_id=sale.supplier_id,
        segment_id=sale.segment_id,
        reason=reason,
        comment=comment,
        respond_by=now + timedelta(hours=settings.QUALITY_RETURN_RESPOND_HOURS),
        requested_by=user,
        created_at=now,
        updated_at=now,
    )
    evidence_add(ret, party=EvidenceParty.BUYER, note=note, stored=stored, user=user)
    check = objective_check(sale=sale, reason=reason)
    ret.check_result = check.as_dict() if check.checked else {}
    ret.save(update_fields=["check_result"])
    requested = ReturnEvent.objects.create(
        ret=ret, kind="requested", to_status=ReturnStatus.REQUESTED, actor=user, note=comment
    )
    if check.confirmed:
        return_reverse(
            ret,
            sale,
            to=ReturnStatus.ACCEPTED,
            kind="accepted_by_check",
            decided_by=DecidedBy.CHECK,
            note=check.detail,
        )
    else:
        # Open: the supplier's share stays in pending until the return ends.
        earnings_hold_freeze(sale_id=sale.pk, reason=f"Return {ret.pk} is open.")
        return_event_notify(requested)
    return ret


# --- the supplier answers --------------------------------------------------------------


def _supplier_return(supplier: Organization, return_id: object) -> Return:
    pk = object_id(return_id, what="return")
    ret = Return.objects.filter(pk=pk, supplier=supplier).first()
    if ret is None:
        raise NotFound(_("No such return."))
    return ret


@transaction.atomic
def return_accept(*, supplier: Organization, return_id: object, user: User | None = None) -> Return:
    """The supplier agrees: the buyer is refunded."""
    ret = _supplier_return(supplier, return_id)
    sale = sale_lock(ret.sale_id)
    ret.refresh_from_db()
    return_reverse(
        ret,
        sale,
        to=ReturnStatus.ACCEPTED,
        kind="accepted",
        decided_by=DecidedBy.SUPPLIER,
        actor=user,
    )
    return ret


def return_contest(
    *,
    supplier: Organization,
    return_id: object,
    comment: object,
    evidence_note: object = "",
    evidence_file: UploadedFile | None = None,
    user: User | None = None,
) -> Return:
    """The supplier disagrees before ``respond_by``: a dispute for the moderators."""
    ret = _supplier_return(supplier, return_id)
    comment = text_check(comment, field="comment", required=True)
    note = evidence_note_check(evidence_note)
    stored = evidence_file_store(evidence_file)
    try:
        return _return_contest(ret, comment=comment, note=note, stored=stored, user=user)
    except BaseException:
        evidence_file_discard(stored)
        raise


@transaction.atomic
def _return_contest(
    ret: Return, *, comment: str, note: str, stored: StoredFile | None, user: User | None
) -> Return:
    sale_lock(ret.sale_id)
    ret.refresh_from_db()
    if ret.status == ReturnStatus.REQUESTED and timezone.now() > ret.respond_by:
        raise Conflict(_("The time to answer this return has passed."))
    return_claim(
        ret,
        to=ReturnStatus.DISPUTED,
        kind="contested",
        actor=user,
        note=comment,
        extra={"supplier_comment": comment},
    )
    evidence_add(ret, party=EvidenceParty.SUPPLIER, note=note, stored=stored, user=user)
    dispute_open(ret, cause=DisputeCause.CONTESTED)
    return ret


# --- nobody answered --------------------------------------------------------------------


def returns_accept_unanswered(*, now: datetime | None = None, batch: int = 200) -> int:
    """Beat task's body: every return past ``respond_by`` is accepted, or sent to a
    moderator when the buyer is over its monthly cap with that supplier or its
    record asks for one (``quality.buyer_record``).

    Safe to run twice and in parallel: each return is claimed by the conditional
    UPDATE in ``return_claim`` under the sale's lock; a loser sees 409 and skips it.
    """
    now = now or timezone.now()
    due = list(
        Return.objects.filter(status=ReturnStatus.REQUESTED, respond_by__lte=now)
        .order_by("respond_by")
        .values_list("pk", flat=True)[:batch]
    )
    decided = 0
    segment_totals: dict = {}  # the buyer-record rule's counts, once per segment
    for pk in due:
        try:
            decided += _return_time_out(pk, now=now, segment_totals=segment_totals)
        except ApplicationError as error:
            logger.info("return %s not auto-decided: %s", pk, error.message)
    return decided


@transaction.atomic
def _return_time_out(pk: uuid.UUID, *, now: datetime, segment_totals: dict) -> int:
    ret = Return.objects.get(pk=pk)
    sale = sale_lock(ret.sale_id)
    ret.refresh_from_db()
    if ret.status != ReturnStatus.REQUESTED or ret.respond_by > now:
        return 0
    if buyer_over_return_cap(buyer_id=ret.buyer_id, supplier_id=ret.supplier_id, at=ret.created_at):
        return_claim(
            ret,
            to=ReturnStatus.DISPUTED,
            kind="escalated_return_cap",
            decided_by="",
            note=_("The buyer is over its monthly return cap with this supplier."),
        )
        dispute_open(ret, cause=DisputeCause.RETURN_CAP)
        return 1
    flag = buyer_record_flag(
        buyer_id=ret.buyer_id, segment_id=ret.segment_id, at=now, segment_totals=segment_totals
    )
    if flag is not None:
        grounds = flag.as_dict()
        return_claim(
            ret,
            to=ReturnStatus.DISPUTED,
            kind="escalated_buyer_record",
            note=_("The buyer's return record sends this return to a moderator."),
            data=grounds,
        )
        dispute_open(ret, cause=DisputeCause.BUYER_RECORD, grounds=grounds)
        return 1
    return_reverse(
        ret,
        sale,
        to=ReturnStatus.ACCEPTED,
        kind="accepted_unanswered",
        decided_by=DecidedBy.TIMEOUT,
    )
    return 1
