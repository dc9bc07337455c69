"""Billing's API routes, relative to /api/v1/. Included by marketplace.api.urls."""

from __future__ import annotations

from django.urls import path

from billing.api import WalletApi, WalletTransactionListApi
from billing.api_payouts import (
    PayoutApproveApi,
    PayoutListCreateApi,
    PayoutMarkPaidApi,
    PayoutRejectApi,
)
from billing.stripe.api import TopUpListCreateApi

urlpatterns = [
    path("wallet/", WalletApi.as_view(), name="wallet"),
    path("wallet/transactions/", WalletTransactionListApi.as_view(), name="wallet-transactions"),
    path("wallet/topups/", TopUpListCreateApi.as_view(), name="wallet-topups"),
    path("payouts/", PayoutListCreateApi.as_view(), name="payout-list"),
    path(
        "moderation/payouts/<str:payout_id>/approve/",
        PayoutApproveApi.as_view(),
        name="moderation-payout-approve",
    ),
    path(
        "moderation/payouts/<str:payout_id>/reject/",
        PayoutRejectApi.as_view(),
        name="moderation-payout-reject",
    ),
    path(
        "moderation/payouts/<str:payout_id>/mark-paid/",
        PayoutMarkPaidApi.as_view(),
        name="moderation-payout-mark-paid",
    ),
]
