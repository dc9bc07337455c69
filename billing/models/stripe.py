"""Stripe top-ups and the Stripe events received (webhooks, reconciliation)."""

from __future__ import annotations

__all__: list[str] = []
