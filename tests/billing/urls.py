"""The project's API with billing's routes wired in, as marketplace.api.urls will include them."""

from __future__ import annotations

from django.urls import include, path

from billing.urls_api import urlpatterns as billing_patterns
from marketplace.api.urls import urlpatterns as api_patterns

urlpatterns = [
    path("api/v1/", include((billing_patterns + api_patterns, "api"), namespace="api")),
]
