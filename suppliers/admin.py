"""Moderators manage the suppression list: people who must not be contacted,
stored only as blind indexes of their normalized phone or email."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from marketplace.admin import ModeratorAdmin
from marketplace.errors import ApplicationError
from marketplace.models import Suppression
from suppliers.suppression import suppression_add


class SuppressionForm(forms.ModelForm):
    value = forms.CharField(
        max_length=254,
        help_text="The phone number (with its country) or the email address to suppress.",
    )
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="For a phone written without +country code, e.g. PL.",
    )

    class Meta:
        model = Suppression
        fields = ["kind", "value", "country", "reason"]


@admin.register(Suppression)
class SuppressionAdmin(ModeratorAdmin):
    moderator_can = frozenset({"view", "add", "delete"})
    list_display = ["kind", "short_index", "reason", "created_at"]
    list_filter = ["kind"]
    search_fields = ["reason"]
    form = SuppressionForm

    @admin.display(description="Blind index")
    def short_index(self, obj: Suppression) -> str:
        return obj.blind_index[:12] + "…"

    def get_fields(self, request: HttpRequest, obj: Suppression | None = None) -> list[str]:
        return (
            ["kind", "value", "country", "reason"]
            if obj is None
            else ["kind", "blind_index", "reason", "created_at"]
        )

    def get_readonly_fields(
        self, request: HttpRequest, obj: Suppression | None = None
    ) -> list[str]:
        return [] if obj is None else ["kind", "blind_index", "reason", "created_at"]

    def get_form(self, request: HttpRequest, obj: Suppression | None = None, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Suppression, form: forms.Form, change: bool
    ) -> None:
        try:
            saved = suppression_add(
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                country=form.cleaned_data.get("country") or "",
                reason=form.cleaned_data.get("reason") or "",
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        obj.pk = saved.pk
