import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import marketplace.ids


class Migration(migrations.Migration):
    """Stripe top-ups and events (billing/models/stripe.py)."""

    dependencies = [
        ("billing", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StripeEvent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('stripe_id', models.CharField(max_length=255, unique=True)),
                ('type', models.CharField(max_length=100)),
                ('livemode', models.BooleanField(default=False)),
                ('payload', models.JSONField()),
                ('status', models.CharField(choices=[('received', 'Received'), ('processed', 'Processed'), ('ignored', 'Ignored'), ('failed', 'Failed')], default='received', max_length=16)),
                ('error', models.TextField(blank=True, default='')),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('processed_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-received_at'],
                'indexes': [models.Index(fields=['status', '-received_at'], name='billing_str_status_bb1a00_idx')],
            },
        ),
        migrations.CreateModel(
            name='TopUp',
            fields=[
                ('id', models.UUIDField(default=marketplace.ids.new_id, editable=False, primary_key=True, serialize=False)),
                ('amount_cents', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('status', models.CharField(choices=[('created', 'Waiting for payment'), ('paid', 'Paid'), ('expired', 'Expired'), ('failed', 'Failed'), ('refunded', 'Refunded'), ('disputed', 'Disputed')], default='created', max_length=16)),
                ('checkout_session_id', models.CharField(blank=True, max_length=255, null=True, unique=True)),
                ('checkout_url', models.URLField(blank=True, default='', max_length=2000)),
                ('payment_intent_id', models.CharField(blank=True, db_index=True, default='', max_length=255)),
                ('failure_reason', models.CharField(blank=True, default='', max_length=500)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('paid_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='topups', to='marketplace.organization')),
            ],
            options={
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['organization', '-created_at'], name='billing_top_organiz_a766ba_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount_cents__gt', 0)), name='billing_topup_amount_positive')],
            },
        ),
    ]
