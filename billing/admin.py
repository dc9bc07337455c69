"""Read-only views of the ledger for moderators: the ledger is append-only, so nobody,
superusers included, adds, changes or deletes rows here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from billing.models import Account, Entry, Transaction
from marketplace.admin import ModeratorAdmin


class ReadOnlyLedgerAdmin(ModeratorAdmin):
    moderator_can = frozenset({"view"})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyLedgerAdmin):
    list_display = ["id", "organization", "kind", "balance_cents", "created_at"]
    list_filter = ["kind"]
    search_fields = ["organization__name"]
    list_select_related = ["organization"]
    readonly_fields = ["id", "organization", "kind", "balance_cents", "created_at"]


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    fields = ["account", "amount_cents", "balance_after_cents"]
    readonly_fields = fields
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or getattr(user, "is_moderator", False))

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("account__organization")


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyLedgerAdmin):
    list_display = ["created_at", "kind", "description", "idempotency_key", "reference_type"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "description", "=reference_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "kind",
        "idempotency_key",
        "description",
        "reference_type",
        "reference_id",
        "actor",
        "created_at",
    ]
    inlines = [EntryInline]
