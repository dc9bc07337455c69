"""The double-entry ledger.

Sign convention: an entry's ``amount_cents`` is added to its account's balance.
Organization accounts (a buyer's wallet, a supplier's earnings) are what the
platform owes that organization, so they are never below zero. Platform
accounts take the other side of every movement: Stripe clearing and
adjustments go negative as money comes in, revenue and payouts go positive.
The sum over all accounts is always zero.

Balances. Organization accounts keep a cached ``balance_cents``, updated in the
same database transaction as the entries, while the account row is locked
(``select_for_update``). The lock is needed anyway so a wallet can't be spent
twice, and the cache makes the balance check and the wallet page O(1) instead
of a sum over every entry. A CHECK constraint keeps it from ever going below
zero, whatever code writes it, and ``check_ledger`` proves it equals the sum of
the entries. Platform accounts keep no cache (``balance_cents`` is NULL): every
charge touches platform revenue, so caching it would make that one row a lock
every sale in the country waits for; their balance is the sum of their entries.

Immutability. Entries and transactions are append-only: PostgreSQL triggers
refuse UPDATE and DELETE, and a deferred constraint trigger refuses, at commit,
a transaction whose entries don't sum to zero or that has fewer than two. A
correction is a new, reversing transaction.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id
from marketplace.models import Organization


class AccountKind(models.TextChoices):
    BUYER_AVAILABLE = "buyer_available", _("Buyer: available")
    BUYER_RESERVED = "buyer_reserved", _("Buyer: reserved for pay-per-action")
    SUPPLIER_PENDING = "supplier_pending", _("Supplier: pending (inside the return window)")
    SUPPLIER_PAYABLE = "supplier_payable", _("Supplier: payable")
    PLATFORM_REVENUE = "platform_revenue", _("Platform: revenue")
    PLATFORM_STRIPE_CLEARING = "platform_stripe_clearing", _("Platform: Stripe clearing")
    PLATFORM_PAYOUTS = "platform_payouts", _("Platform: payouts")
    PLATFORM_ADJUSTMENTS = "platform_adjustments", _("Platform: adjustments")


ORGANIZATION_KINDS: frozenset[str] = frozenset(
    {
        AccountKind.BUYER_AVAILABLE,
        AccountKind.BUYER_RESERVED,
        AccountKind.SUPPLIER_PENDING,
        AccountKind.SUPPLIER_PAYABLE,
    }
)
PLATFORM_KINDS: frozenset[str] = frozenset(AccountKind.values) - ORGANIZATION_KINDS


class Account(models.Model):
    id = models.BigAutoField(primary_key=True)  # the lock order: always by this key
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    balance_cents = models.BigIntegerField(
        null=True, blank=True, help_text="Cached for organization accounts; NULL for platform ones."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=models.Q(organization__isnull=False),
                name="billing_account_unique_per_org",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(organization__isnull=True),
                name="billing_account_unique_platform",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        organization__isnull=False,
                        kind__in=sorted(ORGANIZATION_KINDS),
                        balance_cents__gte=0,
                    )
                    | models.Q(
                        organization__isnull=True,
                        kind__in=sorted(PLATFORM_KINDS),
                        balance_cents__isnull=True,
                    )
                ),
                name="billing_account_owner_and_balance",
            ),
        ]
        triggers = [pgtrigger.Protect(name="billing_account_no_delete", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        owner = self.organization.name if self.organization_id else "Platform"
        return f"{owner} · {self.get_kind_display()}"


class TransactionKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    ADJUSTMENT = "adjustment", _("Manual adjustment")
    CPL_CHARGE = "cpl_charge", _("Lead purchase")
    CPA_RESERVE = "cpa_reserve", _("Pay-per-action reservation")
    CPA_CHARGE = "cpa_charge", _("Pay-per-action charge")
    CPA_RELEASE = "cpa_release", _("Pay-per-action release")
    REFUND = "refund", _("Refund of a sale")
    HOLD_RELEASE = "hold_release", _("Earnings released")
    PAYOUT = "payout", _("Payout")


# Every transaction has at least two entries and they sum to zero; checked at
# commit so the entries can be inserted after their transaction.
_BALANCED = """
    IF (SELECT COUNT(*) < 2 OR COALESCE(SUM(amount_cents), 0) <> 0
        FROM billing_entry WHERE transaction_id = {column}) THEN
        RAISE EXCEPTION 'ledger transaction % is not balanced (two or more entries summing to 0)',
            {column} USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
"""


class Transaction(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    kind = models.CharField(max_length=32, choices=TransactionKind.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    description = models.CharField(max_length=500)
    # A link to what caused it (a sale, a return, a top-up, a payout) without
    # billing importing the apps that own those rows.
    reference_type = models.CharField(max_length=32, blank=True, default="")
    reference_id = models.CharField(max_length=64, blank=True, default="")
    actor = models.CharField(
        max_length=254, blank=True, default="", help_text="Who posted it by hand, if anyone."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["reference_type", "reference_id"])]
        triggers = [
            pgtrigger.Protect(
                name="billing_transaction_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            pgtrigger.Trigger(
                name="billing_transaction_balanced",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=_BALANCED.format(column="NEW.id"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.idempotency_key}"


class Entry(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    amount_cents = models.BigIntegerField()
    balance_after_cents = models.BigIntegerField(
        null=True, blank=True, help_text="The account's balance after this entry (org accounts)."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["account", "-id"], name="billing_entry_account_id")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount_cents=0), name="billing_entry_nonzero"
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="billing_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            pgtrigger.Trigger(
                name="billing_entry_balanced",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=_BALANCED.format(column="NEW.transaction_id"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_cents:+d}"
