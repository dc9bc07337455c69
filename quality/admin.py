"""Moderators suspend and reinstate suppliers from the admin too, with a reason;
each change goes through the same services as the standing page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from marketplace.admin import ModeratorAdmin
from marketplace.errors import ApplicationError
from quality.models import StandingEvent, SupplierStanding
from quality.services.standing import supplier_reinstate, supplier_suspend


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)


class StandingEventInline(admin.TabularInline):
    model = StandingEvent
    fields = ["created_at", "kind", "reason", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SupplierStanding)
class SupplierStandingAdmin(ModeratorAdmin):
    list_display = ["name", "rating_score", "rating_tier", "suspended_at", "holds_new_leads"]
    list_filter = [("suspended_at", admin.EmptyFieldListFilter), "holds_new_leads", "rating_tier"]
    search_fields = ["name", "id"]
    fields = [
        "name",
        "kind",
        "rating_score",
        "rating_tier",
        "suspended_at",
        "suspension_reason",
        "holds_new_leads",
    ]
    readonly_fields = fields
    inlines = [StandingEventInline]
    actions = ["suspend_selected", "reinstate_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(kind__in=["supplier", "both"])

    def _with_reason(
        self, request: HttpRequest, queryset: QuerySet, *, action: str, title: str, service
    ) -> HttpResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for supplier in queryset:
                try:
                    service(
                        supplier_id=supplier.pk,
                        moderator=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except ApplicationError as error:
                    self.message_user(request, f"{supplier}: {error.message}", messages.WARNING)
            self.message_user(request, _("%(n)d supplier(s) changed.") % {"n": done})
            return None
        return TemplateResponse(
            request,
            "admin/quality/standing_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "action": action,
                "queryset": queryset,
                "form": form,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Suspend the selected suppliers (asks for a reason)"))
    def suspend_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="suspend_selected",
            title=_("Suspend suppliers"),
            service=supplier_suspend,
        )

    @admin.action(description=_("Reinstate the selected suppliers (asks for a reason)"))
    def reinstate_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="reinstate_selected",
            title=_("Reinstate suppliers"),
            service=supplier_reinstate,
        )
