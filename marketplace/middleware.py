"""Request context for pages: the organization a person acts for, and caching rules."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from marketplace.selectors.organizations import current_membership

SESSION_ORGANIZATION_KEY = "organization_id"


class CurrentOrganizationMiddleware:
    """Sets ``request.membership`` and ``request.organization`` (None when there is none)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = None
        if request.user.is_authenticated:
            membership = current_membership(
                user=request.user, preferred_id=request.session.get(SESSION_ORGANIZATION_KEY)
            )
        request.membership = membership
        request.organization = membership.organization if membership else None
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing personal may sit in a browser or proxy cache: API answers and
    every page a signed-in person sees are ``no-store``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response
