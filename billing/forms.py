"""Forms of billing's pages: shape only; the services decide the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import AccountKind
from marketplace.forms import RowForm, ServiceErrorsMixin
from marketplace.models import Organization
from marketplace.money import MoneyFormatError, parse_amount


class AmountField(forms.CharField):
    """A decimal string ("12.50") → cents, by the API's rules (no exponents, 2 decimals)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)
        self.allow_zero = allow_zero

    def clean(self, value: object) -> int | None:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            cents = parse_amount(text)
        except MoneyFormatError as exc:
            raise forms.ValidationError(str(exc)) from None
        if cents == 0 and not self.allow_zero:
            raise forms.ValidationError(_("The amount must be more than zero."))
        return cents


class PayoutRequestForm(ServiceErrorsMixin, forms.Form):
    amount = AmountField(
        label=_("Amount"),
        required=False,
        help_text=_("Leave empty to be paid your whole payable balance."),
    )


class PayoutApproveForm(RowForm):
    """The approve button of a payout's row: no fields, only the service's refusals."""


class PayoutRejectForm(RowForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Reason")}),
    )


class PayoutMarkPaidForm(RowForm):
    reference = forms.CharField(
        label=_("Bank reference"),
        max_length=200,
        error_messages={"required": _("Enter the bank's reference of the transfer.")},
        widget=forms.TextInput(attrs={"placeholder": _("Bank reference")}),
    )


class AdjustmentForm(ServiceErrorsMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.order_by("name")
    )
    account_kind = forms.ChoiceField(
        label=_("Balance"),
        choices=[
            (AccountKind.BUYER_AVAILABLE, _("Wallet (available) — buyers")),
            (AccountKind.SUPPLIER_PAYABLE, _("Payable earnings — suppliers")),
        ],
        initial=AccountKind.BUYER_AVAILABLE,
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("credit", _("Credit (add money)")), ("debit", _("Debit (take money out)"))],
        initial="credit",
        widget=forms.RadioSelect,
    )
    amount = AmountField(label=_("Amount"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=400,
        help_text=_("Shown to the organization on its ledger line."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def signed_amount(self) -> int:
        cents = self.cleaned_data["amount"]
        return -cents if self.cleaned_data["direction"] == "debit" else cents
