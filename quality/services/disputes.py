"""Moderators decide disputes: refund the buyer or reject the return."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services import earnings_hold_unfreeze
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.models import User
from quality.models import DecidedBy, Dispute, DisputeDecision, DisputeStatus, ReturnStatus
from quality.services.returns import object_id, return_claim, return_reverse, sale_lock, text_check


@transaction.atomic
def dispute_resolve(
    *, dispute_id: object, moderator: User, decision: object, note: object = ""
) -> Dispute:
    """Resolve an open dispute once; a second resolution (even a concurrent one) is a 409.

    Both resolutions lock the sale first, so the second waits for the first and
    then finds the dispute no longer open.
    """
    if decision not in DisputeDecision.values:
        raise ValidationFailed(
            _("Decide refund or reject."),
            fields={
                "decision": [_("One of: %(codes)s.") % {"codes": ", ".join(DisputeDecision.values)}]
            },
        )
    note = text_check(note, field="note")
    pk = object_id(dispute_id, what="dispute")
    dispute = Dispute.objects.select_related("ret").filter(pk=pk).first()
    if dispute is None:
        raise NotFound(_("No such dispute."))
    sale = sale_lock(dispute.ret.sale_id)
    now = timezone.now()
    if not Dispute.objects.filter(pk=pk, status=DisputeStatus.OPEN).update(
        status=DisputeStatus.RESOLVED,
        decision=decision,
        note=note,
        resolved_by=moderator,
        resolved_at=now,
    ):
        raise Conflict(_("This dispute is already resolved."))
    ret = dispute.ret
    ret.refresh_from_db()
    if decision == DisputeDecision.REFUND:
        return_reverse(
            ret,
            sale,
            to=ReturnStatus.REFUNDED,
            kind="refunded_by_moderator",
            decided_by=DecidedBy.MODERATOR,
            allowed=(ReturnStatus.DISPUTED,),
            actor=moderator,
            note=note,
        )
    else:
        return_claim(
            ret,
            to=ReturnStatus.REJECTED,
            kind="rejected_by_moderator",
            decided_by=DecidedBy.MODERATOR,
            allowed=(ReturnStatus.DISPUTED,),
            actor=moderator,
            note=note,
        )
        # Ended without a refund: the earnings are released on the next run.
        earnings_hold_unfreeze(sale_id=sale.pk)
    dispute.refresh_from_db()
    return dispute
