"""The buyer's tracking of what became of a bought lead.

new → contacted → qualified → converted, or unreachable, or refused (with a
reason). "Converted" is reported through the action endpoint, which charges a
CPA purchase; this service moves between the other outcomes.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buyers.selectors import buyer_purchase
from marketplace.errors import Conflict, ValidationFailed
from marketplace.models import Organization, Outcome, Sale, SaleEvent, SaleStatus

MAX_REASON = 500

# Where each outcome may go next. Converted and refused are final; a person
# unreachable today may pick up tomorrow.
TRANSITIONS: dict[str, frozenset[str]] = {
    Outcome.NEW: frozenset({Outcome.CONTACTED, Outcome.UNREACHABLE, Outcome.REFUSED}),
    Outcome.CONTACTED: frozenset({Outcome.QUALIFIED, Outcome.UNREACHABLE, Outcome.REFUSED}),
    Outcome.QUALIFIED: frozenset({Outcome.REFUSED}),
    Outcome.UNREACHABLE: frozenset({Outcome.CONTACTED, Outcome.REFUSED}),
    Outcome.REFUSED: frozenset(),
    Outcome.CONVERTED: frozenset(),
}
SETTABLE = (Outcome.CONTACTED, Outcome.QUALIFIED, Outcome.UNREACHABLE, Outcome.REFUSED)


def _clean(outcome: object, reason: object) -> tuple[str, str]:
    if outcome == Outcome.CONVERTED:
        raise ValidationFailed(
            _("Report a conversion with POST /api/v1/purchases/{id}/actions/."),
            fields={"outcome": [_("Report conversions as an action.")]},
        )
    if not isinstance(outcome, str) or outcome not in SETTABLE:
        raise ValidationFailed(
            _("Unknown outcome."),
            fields={
                "outcome": [_("Must be one of: %(values)s.") % {"values": ", ".join(SETTABLE)}]
            },
        )
    if reason is None:
        reason = ""
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise ValidationFailed(
            _("The reason is text of at most %(n)d characters.") % {"n": MAX_REASON},
            fields={"outcome_reason": [_("At most %(n)d characters.") % {"n": MAX_REASON}]},
        )
    reason = reason.strip()
    if outcome == Outcome.REFUSED and not reason:
        raise ValidationFailed(
            _("Say why the person refused."),
            fields={"outcome_reason": [_("Required when the outcome is “refused”.")]},
        )
    return outcome, reason


@transaction.atomic
def purchase_outcome_set(
    *,
    buyer: Organization,
    sale_id: object,
    outcome: object,
    reason: object = "",
    user=None,
    now: datetime | None = None,
) -> Sale:
    """Move a purchase's outcome along ``TRANSITIONS``; anything else is 409."""
    outcome, reason = _clean(outcome, reason)
    sale = buyer_purchase(buyer=buyer, sale_id=sale_id)
    if sale.status == SaleStatus.RETURNED:
        raise Conflict(_("This purchase was returned; its outcome is closed."))
    if outcome not in TRANSITIONS[sale.outcome]:
        raise Conflict(
            _("The outcome cannot go from “%(old)s” to “%(new)s”.")
            % {"old": sale.outcome, "new": outcome}
        )
    now = now or timezone.now()
    # Compare-and-set on the outcome read above: a concurrent change wins, this one is 409.
    changed = (
        Sale.objects.filter(pk=sale.pk, outcome=sale.outcome)
        .exclude(status=SaleStatus.RETURNED)
        .update(outcome=outcome, outcome_reason=reason, outcome_updated_at=now)
    )
    if not changed:
        raise Conflict(_("The outcome was changed meanwhile; reload and try again."))
    SaleEvent.objects.create(
        sale=sale,
        kind="outcome",
        data={"from": sale.outcome, "to": outcome, "reason": reason},
        actor=user,
        created_at=now,
    )
    sale.refresh_from_db()
    return sale
