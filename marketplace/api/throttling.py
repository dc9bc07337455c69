from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key (or per logged-in user, or per address)."""

    scope = "api_key"

    def get_rate(self) -> str:
        # Read at request time so the limit can be changed without a restart of the class.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view) -> str:
        if request.auth is not None and hasattr(request.auth, "key_hash"):
            ident = f"key:{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"
