"""Who may call what. An API key acts for its organization; a browser session
acts for the organization chosen in the session."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from marketplace.models import Organization


def acting_organization(request) -> Organization | None:
    organization = getattr(request.user, "organization", None)
    if isinstance(organization, Organization):
        return organization  # an organization's API key
    if getattr(request, "auth", None) is not None:
        return None  # a moderator's key acts for no organization
    return getattr(request._request, "organization", None)


class IsSupplier(BasePermission):
    message = "This needs a supplier organization."

    def has_permission(self, request, view) -> bool:
        organization = acting_organization(request)
        return organization is not None and organization.is_supplier


class IsBuyer(BasePermission):
    message = "This needs a buyer organization."

    def has_permission(self, request, view) -> bool:
        organization = acting_organization(request)
        return organization is not None and organization.is_buyer


class IsModerator(BasePermission):
    message = "Only moderators can do this."

    def has_permission(self, request, view) -> bool:
        return bool(getattr(request.user, "is_moderator", False))
