"""Billing's API routes, relative to /api/v1/. Included by marketplace.api.urls."""

from __future__ import annotations

from django.urls import path

from billing.api import WalletApi, WalletTransactionListApi

urlpatterns = [
    path("wallet/", WalletApi.as_view(), name="wallet"),
    path("wallet/transactions/", WalletTransactionListApi.as_view(), name="wallet-transactions"),
]
