"""Forms of the buyer's pages: shape only; the services decide the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from buyers.services.outcomes import MAX_REASON
from marketplace.forms import RowForm, ServiceErrorsMixin
from marketplace.models import BillingModel, Outcome


class BuyForm(ServiceErrorsMixin, forms.Form):
    billing_model = forms.ChoiceField(
        label=_("Pay"),
        choices=[(BillingModel.CPL, _("Per lead")), (BillingModel.CPA, _("Per action"))],
        initial=BillingModel.CPL,
    )


class OutcomeForm(RowForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Outcome.CONTACTED, _("Contacted")),
            (Outcome.QUALIFIED, _("Qualified")),
            (Outcome.UNREACHABLE, _("Unreachable")),
            (Outcome.REFUSED, _("Refused")),
        ],
    )
    outcome_reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_REASON,
        help_text=_("Required when the person refused."),
        widget=forms.TextInput(attrs={"placeholder": _("Reason (if refused)")}),
    )

    def offer(self, outcomes: list[str]) -> None:
        """Only the select offers just the purchase's next outcomes: the field accepts
        any, so a move the purchase no longer allows gets the service's explanation."""
        widget = self.fields["outcome"].widget
        widget.choices = [(value, label) for value, label in widget.choices if value in outcomes]


class ActionForm(RowForm):
    external_ref = forms.CharField(
        label=_("Your reference"),
        required=False,
        max_length=128,
        help_text=_("The policy, loan or booking number in your system."),
        widget=forms.TextInput(attrs={"placeholder": _("Your reference")}),
    )
