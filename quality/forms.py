"""Quality's page forms. They check shapes; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from marketplace.forms import RowForm, ServiceErrorsMixin
from quality.models import DisputeDecision
from quality.services.evidence import NOTE_MAX_CHARS


class _Evidence(forms.Form):
    evidence_note = forms.CharField(
        label=_("Evidence note"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. a call log: when you called and what happened."),
    )
    evidence_file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("PDF, PNG, JPEG, MP3, WAV, TXT or CSV."),
    )


class ReturnRequestForm(ServiceErrorsMixin, _Evidence):
    reason = forms.ChoiceField(label=_("Reason"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=settings.QUALITY_RETURN_COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = ["reason", "comment", "evidence_note", "evidence_file"]

    def __init__(self, *args, reasons: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(r["code"], r["label"]) for r in reasons]


class ContestForm(RowForm, _Evidence):
    """The supplier's answer in a return's row of the returns page."""

    comment = forms.CharField(
        label=_("Why the lead is good"),
        max_length=settings.QUALITY_RETURN_COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Why the lead is good")}),
    )
    field_order = ["comment", "evidence_note", "evidence_file"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        note = self.fields["evidence_note"]
        note.widget = forms.TextInput(attrs={"placeholder": _("Call log (optional)")})
        note.widget.attrs["maxlength"] = str(NOTE_MAX_CHARS)


class ResolveForm(RowForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=DisputeDecision.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=settings.QUALITY_RETURN_COMMENT_MAX_CHARS
    )


class StandingForm(ServiceErrorsMixin, forms.Form):
    ACTIONS = [
        ("suspend", _("Suspend")),
        ("reinstate", _("Reinstate")),
        ("hold", _("Hold new leads for review")),
        ("unhold", _("Stop holding new leads")),
        ("release", _("Release held leads")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=settings.QUALITY_RETURN_COMMENT_MAX_CHARS
    )


class OptOutForm(ServiceErrorsMixin, forms.Form):
    email = forms.CharField(label=_("Email address"), required=False, max_length=254)
    phone = forms.CharField(
        label=_("Or phone number"),
        required=False,
        max_length=32,
        help_text=_("With its country code, e.g. +48 601 234 567."),
    )
