"""Quality's API routes, relative to /api/v1/. Included by marketplace.api.urls.

``purchases/<id>/returns/`` lives here; the other ``purchases/`` routes are the
buyers app's: the patterns differ, so the order of the includes does not matter.
"""

from __future__ import annotations

from django.urls import path

from quality.api import (
    DisputeResolveApi,
    PurchaseReturnCreateApi,
    ReturnAcceptApi,
    ReturnContestApi,
    ReturnListApi,
    SupplierCardApi,
)

urlpatterns = [
    path(
        "purchases/<str:sale_id>/returns/",
        PurchaseReturnCreateApi.as_view(),
        name="purchase-returns",
    ),
    path("returns/", ReturnListApi.as_view(), name="return-list"),
    path("returns/<str:return_id>/accept/", ReturnAcceptApi.as_view(), name="return-accept"),
    path("returns/<str:return_id>/contest/", ReturnContestApi.as_view(), name="return-contest"),
    path(
        "moderation/disputes/<str:dispute_id>/resolve/",
        DisputeResolveApi.as_view(),
        name="moderation-dispute-resolve",
    ),
    path("suppliers/<str:supplier_id>/", SupplierCardApi.as_view(), name="supplier-card"),
]
