"""Who may see a page, and the context every page's top bar needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketplace.middleware import SESSION_ORGANIZATION_KEY
from marketplace.models import MemberRole, Organization

# The status of a page that shows a refused form again (the field's refusal or the
# service's alike), so clients and tests can tell it from a page that simply shows one.
INVALID = 400

View = Callable[..., HttpResponse]


def is_owner(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role == MemberRole.OWNER


def organization_required(view: View | None = None, *, owner: bool = False) -> Any:
    """Signed in, acting for an organization (else: create one), and — with
    ``owner=True`` — one of its owners (else 403)."""

    def decorator(view_func: View) -> View:
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request, "organization", None) is None:
                return redirect("organization_create")
            if owner and not is_owner(request):
                raise PermissionDenied(_("Only the organization's owners can do this."))
            return view_func(request, *args, **kwargs)

        return login_required(wrapper)

    if view is not None:
        return decorator(view)
    return decorator


def act_for(request: HttpRequest, organization: Organization) -> None:
    """From now on this browser acts for ``organization`` (membership checked by the caller)."""
    request.session[SESSION_ORGANIZATION_KEY] = str(organization.pk)


def render_page(
    request: HttpRequest, template: str, context: dict | None = None, *, status: int = 200
) -> HttpResponse:
    """``render`` plus the viewer's role (the organization switcher comes from
    ``marketplace.context_processors.organization``, on every page)."""
    page = {"is_owner": is_owner(request)}
    page.update(context or {})
    return render(request, template, page, status=status)
