"""The page an invitation email links to."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from marketplace.errors import ApplicationError, NotFound
from marketplace.models import Invitation
from marketplace.services.organizations import invitation_accept, invitation_by_token
from marketplace.web.access import act_for, render_page

TEMPLATE = "marketplace/invitation.html"


def _closed_state(invitation: Invitation) -> str | None:
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return None


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_by_token(token=token)
    except NotFound:
        return render_page(request, TEMPLATE, {"state": "invalid"}, status=404)
    closed = _closed_state(invitation)
    if closed is not None:
        return render_page(
            request, TEMPLATE, {"state": closed, "invitation": invitation}, status=410
        )

    here = request.get_full_path()
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(here)
        # Holding the token proves the address received our email, so signing
        # up with it needs no second verification (allauth's documented hook).
        get_adapter(request).stash_verified_email(request, invitation.email)
        query = urlencode({REDIRECT_FIELD_NAME: here})
        return render_page(
            request,
            TEMPLATE,
            {
                "state": "anonymous",
                "invitation": invitation,
                "login_url": f"{reverse('account_login')}?{query}",
                "signup_url": f"{reverse('account_signup')}?{query}",
            },
        )

    if invitation.email.lower() != request.user.email.lower():
        return render_page(
            request, TEMPLATE, {"state": "wrong_email", "invitation": invitation}, status=403
        )

    if request.method == "POST":
        try:
            membership = invitation_accept(token=token, user=request.user)
        except ApplicationError as error:
            return render_page(
                request,
                TEMPLATE,
                {"state": "error", "invitation": invitation, "error": error.message},
                status=error.status,
            )
        act_for(request, membership.organization)
        messages.success(
            request,
            _("Welcome to %(name)s.") % {"name": membership.organization.name},
        )
        return redirect("dashboard")
    return render_page(request, TEMPLATE, {"state": "open", "invitation": invitation})
