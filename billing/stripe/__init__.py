"""Stripe for wallet top-ups: the one gateway to the library, the webhook and
reconciliation. The money rules live in ``billing.services.topups``."""
