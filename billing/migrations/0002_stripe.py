from django.db import migrations


class Migration(migrations.Migration):
    """Stripe top-ups and events (billing/models/stripe.py)."""

    dependencies = [("billing", "0001_initial")]
    operations: list = []
