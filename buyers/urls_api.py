"""Buyers' API routes, relative to /api/v1/. Included by marketplace.api.urls."""

from __future__ import annotations

from django.urls import path

from buyers.api import (
    PurchaseActionApi,
    PurchaseCreateApi,
    PurchaseDetailApi,
    PurchaseExportApi,
    PurchaseListApi,
)

urlpatterns = [
    path(
        "marketplace/leads/<str:lead_id>/purchase/",
        PurchaseCreateApi.as_view(),
        name="marketplace-lead-purchase",
    ),
    path("purchases/", PurchaseListApi.as_view(), name="purchase-list"),
    path("purchases/export.csv", PurchaseExportApi.as_view(), name="purchase-export"),
    path("purchases/<str:sale_id>/", PurchaseDetailApi.as_view(), name="purchase-detail"),
    path("purchases/<str:sale_id>/actions/", PurchaseActionApi.as_view(), name="purchase-actions"),
]
