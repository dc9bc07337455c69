"""Billing's pages and webhooks, under /billing/."""

from __future__ import annotations

app_name = "billing"

urlpatterns: list = []
