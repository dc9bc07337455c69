"""What each step of a return tells each side, in its email."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# event kind → (subject, to the buyer, to the supplier)
STEP_TEXT = {
    "requested": (
        _("A return was requested"),
        _(
            "We received your return request. The supplier answers by the date below; "
            "if it does not, the return is accepted."
        ),
        _(
            "A buyer asked to return one of your leads. Accept or contest it before "
            "the date below, or it is accepted automatically."
        ),
    ),
    "accepted_by_check": (
        _("A return was accepted after an automatic check"),
        _(
            "Our automatic check confirmed the reason: the return is accepted "
            "and your money is back."
        ),
        _(
            "Our automatic check confirmed the buyer's reason: the return is accepted "
            "and the sale reversed."
        ),
    ),
    "accepted": (
        _("A return was accepted"),
        _("The supplier accepted your return: your money is back."),
        _("You accepted the return: the sale is reversed."),
    ),
    "accepted_unanswered": (
        _("A return was accepted"),
        _("The supplier did not answer in time: the return is accepted and your money is back."),
        _("You did not answer in time: the return is accepted and the sale reversed."),
    ),
    "contested": (
        _("A return is disputed"),
        _("The supplier contested your return. A moderator will decide."),
        _("You contested the return. A moderator will decide."),
    ),
    "escalated_return_cap": (
        _("A return goes to a moderator"),
        _(
            "You are over this month's return share with this supplier, "
            "so a moderator decides this return."
        ),
        _(
            "The buyer is over its monthly return share with you, "
            "so a moderator decides this return."
        ),
    ),
    "escalated_buyer_record": (
        _("A return goes to a moderator"),
        _(
            "The supplier did not answer in time and your return record asks for a "
            "moderator's look, so a moderator decides this return."
        ),
        _("You did not answer in time. A moderator decides this return."),
    ),
    "refunded_by_moderator": (
        _("A dispute was decided: refunded"),
        _("A moderator decided the dispute in your favour: your money is back."),
        _("A moderator decided the dispute for the buyer: the sale is reversed."),
    ),
    "rejected_by_moderator": (
        _("A dispute was decided: return rejected"),
        _("A moderator rejected the return: the purchase stands."),
        _("A moderator rejected the return: the sale stands."),
    ),
}
