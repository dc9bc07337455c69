"""Read-only views of money records for moderators: the ledger, Stripe top-ups and
events, payouts and earnings holds. Money moves only through billing's services
(the ledger is append-only; payouts are decided on the payout queue), so nobody,
superusers included, adds, changes or deletes these rows here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from billing.models import (
    Account,
    EarningsFreeze,
    EarningsHold,
    Entry,
    Payout,
    PayoutEvent,
    StripeEvent,
    TopUp,
    Transaction,
)
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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or getattr(user, "is_moderator", False))

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EntryInline(ReadOnlyInline):
    model = Entry
    fields = ["account", "amount_cents", "balance_after_cents"]
    readonly_fields = fields

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


def _all_fields(model: type) -> list[str]:
    return [field.name for field in model._meta.fields]


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyLedgerAdmin):
    list_display = ["created_at", "organization", "amount_cents", "currency", "status", "paid_at"]
    list_filter = ["status"]
    search_fields = ["=id", "organization__name", "=checkout_session_id", "=payment_intent_id"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
    readonly_fields = _all_fields(TopUp)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyLedgerAdmin):
    """Every Stripe event received (webhook or reconciliation), with what handling it did:
    the failed ones are a moderator's to-do (a refund the wallet could not cover...)."""

    list_display = ["received_at", "stripe_id", "type", "status", "processed_at"]
    list_filter = ["status", "type"]
    search_fields = ["=stripe_id", "type"]
    date_hierarchy = "received_at"
    readonly_fields = _all_fields(StripeEvent)


class PayoutEventInline(ReadOnlyInline):
    model = PayoutEvent
    fields = ["created_at", "from_status", "to_status", "actor", "message"]
    readonly_fields = fields


@admin.register(Payout)
class PayoutAdmin(ReadOnlyLedgerAdmin):
    """Payouts are approved, rejected or marked paid on the payout queue, not here."""

    list_display = ["requested_at", "organization", "amount_cents", "status", "method"]
    list_filter = ["status", "method"]
    search_fields = ["=id", "organization__name", "=stripe_transfer_id", "reference"]
    list_select_related = ["organization"]
    date_hierarchy = "requested_at"
    readonly_fields = _all_fields(Payout)
    inlines = [PayoutEventInline]


@admin.register(EarningsHold)
class EarningsHoldAdmin(ReadOnlyLedgerAdmin):
    list_display = ["sale_id", "supplier", "amount_cents", "release_at", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["=sale_id", "supplier__name"]
    list_select_related = ["supplier"]
    readonly_fields = _all_fields(EarningsHold)


@admin.register(EarningsFreeze)
class EarningsFreezeAdmin(ReadOnlyLedgerAdmin):
    list_display = ["sale_id", "reason", "frozen_at", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["=sale_id"]
    readonly_fields = _all_fields(EarningsFreeze)
