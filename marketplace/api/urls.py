from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from marketplace.api.catalog import CatalogLeadListApi
from marketplace.api.fallbacks import api_not_found
from marketplace.api.views import SegmentListApi
from suppliers.api import LeadBatchApi, LeadListCreateApi

app_name = "api"

urlpatterns = [
    path("segments/", SegmentListApi.as_view(), name="segment-list"),
    path("leads/", LeadListCreateApi.as_view(), name="lead-list"),
    path("leads/batch/", LeadBatchApi.as_view(), name="lead-batch"),
    path("marketplace/leads/", CatalogLeadListApi.as_view(), name="catalog-lead-list"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[]),
        name="docs",
    ),
    path("", include("billing.urls_api")),
    path("", include("buyers.urls_api")),
    path("", include("quality.urls_api")),
    path("", include("suppliers.uploads.urls_api")),
    re_path(r"^.*$", api_not_found, name="not-found"),
]
