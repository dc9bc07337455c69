from django.db import migrations


class Migration(migrations.Migration):
    """Supplier payouts (billing/models/payouts.py)."""

    dependencies = [("billing", "0002_stripe")]
    operations: list = []
