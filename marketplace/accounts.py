from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


def _first_step(request: HttpRequest) -> str | None:
    """Someone who belongs to no organization has nothing to see yet: the
    first step is creating one (moderators have their own dashboard)."""
    user = request.user
    if user.is_authenticated and not user.is_staff and not user.memberships.exists():
        return reverse("organization_create")
    return None


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open: anyone may create an account and then an organization.

    An explicit ``?next=`` (an invitation link, say) still wins: allauth asks
    the adapter only when there is none.
    """

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return _first_step(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return _first_step(request) or super().get_signup_redirect_url(request)
