from __future__ import annotations

from functools import partial

from django.http import HttpRequest

from marketplace.selectors.organizations import memberships_of_user


def organization(request: HttpRequest) -> dict:
    """The organization a person acts for, and (lazily: templates call it only
    when they show the switcher) every organization they belong to."""
    user = getattr(request, "user", None)
    memberships = (
        partial(memberships_of_user, user=user)
        if user is not None and user.is_authenticated
        else list
    )
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": memberships,
    }
