import django.db.models.deletion
import django.utils.timezone
import marketplace.ids
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Supplier payouts and earnings holds (billing/models/payouts.py)."""

    dependencies = [
        ("billing", "0002_stripe"),
        ("marketplace", "0003_organization_payouts_flags_segment_commission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Payout",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=marketplace.ids.new_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("amount_cents", models.BigIntegerField()),
                ("currency", models.CharField(max_length=3)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Requested"),
                            ("approved", "Approved"),
                            ("paid", "Paid"),
                            ("failed", "Failed"),
                            ("rejected", "Rejected"),
                        ],
                        default="requested",
                        max_length=16,
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("manual", "Bank transfer (manual)"),
                            ("stripe_transfer", "Stripe transfer"),
                        ],
                        default="",
                        help_text="Chosen on approval: a Stripe transfer when the supplier has a connected account.",
                        max_length=16,
                    ),
                ),
                (
                    "requested_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("paid_at", models.DateTimeField(blank=True, null=True)),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
                ("stripe_account_id", models.CharField(blank=True, default="", max_length=255)),
                ("stripe_transfer_id", models.CharField(blank=True, default="", max_length=255)),
                (
                    "reference",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="The bank's reference of a manual payout.",
                        max_length=200,
                    ),
                ),
                ("failure_reason", models.CharField(blank=True, default="", max_length=500)),
                ("note", models.CharField(blank=True, default="", max_length=500)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payouts",
                        to="marketplace.organization",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at"],
            },
        ),
        migrations.CreateModel(
            name="PayoutEvent",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=marketplace.ids.new_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("from_status", models.CharField(blank=True, default="", max_length=16)),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("requested", "Requested"),
                            ("approved", "Approved"),
                            ("paid", "Paid"),
                            ("failed", "Failed"),
                            ("rejected", "Rejected"),
                        ],
                        max_length=16,
                    ),
                ),
                ("actor", models.CharField(blank=True, default="", max_length=254)),
                ("message", models.CharField(blank=True, default="", max_length=500)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "payout",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="billing.payout",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="EarningsHold",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=marketplace.ids.new_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("sale_id", models.CharField(max_length=64, unique=True)),
                ("amount_cents", models.BigIntegerField()),
                ("release_at", models.DateTimeField()),
                (
                    "claimed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="A worker took it; retaken if it stays unreleased.",
                        null=True,
                    ),
                ),
                ("released_at", models.DateTimeField(blank=True, null=True)),
                ("outcome", models.CharField(blank=True, default="", max_length=200)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "supplier",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="earnings_holds",
                        to="marketplace.organization",
                    ),
                ),
            ],
            options={
                "ordering": ["release_at"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("released_at__isnull", True)),
                        fields=["release_at"],
                        name="billing_hold_due",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="payout",
            index=models.Index(fields=["status", "requested_at"], name="billing_payout_queue"),
        ),
        migrations.AddConstraint(
            model_name="payout",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_cents__gt", 0)), name="billing_payout_amount_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="payout",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["requested", "approved"])),
                fields=("organization",),
                name="billing_payout_one_open_per_org",
            ),
        ),
    ]
