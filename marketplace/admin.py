"""The moderators' admin. Moderators are staff users; what each may do per
model is declared here (``moderator_can``) rather than through per-user
permissions, so a new moderator needs nothing but ``is_staff``."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from marketplace.models import (
    ApiKey,
    Invitation,
    Lead,
    Membership,
    ModerationFlag,
    Organization,
    Segment,
    User,
)
from marketplace.services.api_keys import api_key_revoke
from marketplace.services.flags import flag_resolve
from marketplace.tasks import sync_catalog_attribute_indexes


class ModeratorAdmin(admin.ModelAdmin):
    """Grants moderators (active staff) the actions in ``moderator_can``; superusers everything."""

    moderator_can: frozenset[str] = frozenset({"view"})

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        user = request.user
        if user.is_active and user.is_superuser:
            return True
        return bool(getattr(user, "is_moderator", False)) and action in self.moderator_can

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._allowed(request, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._allowed(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._allowed(request, "delete")


@admin.register(Segment)
class SegmentAdmin(ModeratorAdmin):
    moderator_can = frozenset({"view", "add", "change"})
    list_display = [
        "slug",
        "name",
        "is_active",
        "default_price_cents",
        "default_cpa_price_cents",
        "max_sales_limit",
        "return_window_hours",
        "action_window_days",
        "dedup_window_days",
        "freshness_days",
    ]
    list_filter = ["is_active"]
    search_fields = ["slug", "name"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Segment, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A new numeric attribute (or a segment switched on) wants its catalog index.
        if not change or {"fields", "is_active"} & set(form.changed_data):
            transaction.on_commit(sync_catalog_attribute_indexes.delay)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(ModeratorAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "id"]
    readonly_fields = ["id", "created_at"]
    inlines = [MembershipInline]


@admin.register(Lead)
class LeadAdmin(ModeratorAdmin):
    """No personal data here: moderators see the lead's facts, not the person."""

    list_display = [
        "id",
        "supplier",
        "segment",
        "status",
        "country",
        "region",
        "sales_count",
        "max_sales",
        "created_at",
    ]
    list_filter = ["status", "segment", "country"]
    list_select_related = ["supplier", "segment"]
    search_fields = ["id", "external_id"]
    fields = [
        "id",
        "supplier",
        "segment",
        "external_id",
        "status",
        "rejection_reasons",
        "duplicate_of",
        "country",
        "region",
        "city",
        "temperature",
        "source",
        "captured_at",
        "consent_text",
        "consent_captured_at",
        "consent_page_url",
        "qualification",
        "attributes",
        "price_cents",
        "cpa_price_cents",
        "max_sales",
        "sales_count",
        "created_at",
    ]
    readonly_fields = fields
    show_full_result_count = False


@admin.register(ApiKey)
class ApiKeyAdmin(ModeratorAdmin):
    list_display = [
        "name",
        "prefix",
        "organization",
        "moderator",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    list_select_related = ["organization", "moderator"]
    search_fields = ["name", "prefix", "organization__name"]
    exclude = ["key_hash"]
    readonly_fields = [
        "organization",
        "moderator",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke_keys"]

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not getattr(request.user, "is_moderator", False):
            actions.pop("revoke_keys", None)
        return actions

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} key(s).")


@admin.register(Invitation)
class InvitationAdmin(ModeratorAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_select_related = ["organization"]
    search_fields = ["email", "organization__name"]
    exclude = ["token_hash"]


@admin.register(User)
class UserAdmin(ModeratorAdmin):
    """Moderators look people up; only superusers change accounts (no privilege escalation)."""

    list_display = ["email", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email"]
    fields = [
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
    ]
    readonly_fields = ["date_joined", "last_login"]


@admin.register(ModerationFlag)
class ModerationFlagAdmin(ModeratorAdmin):
    list_display = ["organization", "code", "created_at", "resolved_at"]
    list_filter = ["code", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "code"]
    readonly_fields = [
        "organization",
        "code",
        "message",
        "reference_type",
        "reference_id",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution_note",
    ]
    actions = ["resolve_flags"]

    @admin.action(description="Mark the selected flags resolved")
    def resolve_flags(self, request: HttpRequest, queryset: QuerySet[ModerationFlag]) -> None:
        resolved = 0
        for flag in queryset.filter(resolved_at__isnull=True):
            flag_resolve(flag=flag, moderator=request.user, note="Resolved from the admin list.")
            resolved += 1
        self.message_user(request, f"Resolved {resolved} flag(s).")
