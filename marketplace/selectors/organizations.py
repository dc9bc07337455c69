from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from marketplace.models import ApiKey, Invitation, Membership, Organization, User


def current_membership(*, user: User, preferred_id: str | None) -> Membership | None:
    """The membership a signed-in person acts through: the one chosen in the
    session if it is still theirs, else their oldest."""
    memberships = list(
        Membership.objects.select_related("organization").filter(user=user).order_by("created_at")
    )
    if preferred_id:
        chosen = next((m for m in memberships if str(m.organization_id) == str(preferred_id)), None)
        if chosen is not None:
            return chosen
    return memberships[0] if memberships else None


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("organization")
        .filter(user=user)
        .order_by("organization__name")
    )


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user")
        .filter(organization=organization)
        .order_by("created_at")
    )


def organization_open_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def organization_api_keys(*, organization: Organization) -> QuerySet[ApiKey]:
    return (
        ApiKey.objects.filter(organization=organization)
        .select_related("created_by")
        .order_by("-created_at")
    )


def membership_of_user(*, user: User, organization_id: object) -> Membership | None:
    """The person's membership of that organization, or None if they are not in it."""
    return (
        Membership.objects.select_related("organization")
        .filter(user=user, organization_id=organization_id)
        .first()
    )


def organization_member(*, organization: Organization, membership_id: object) -> Membership | None:
    return (
        Membership.objects.select_related("organization", "user")
        .filter(organization=organization, pk=membership_id)
        .first()
    )


def organization_invitation(
    *, organization: Organization, invitation_id: object
) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization")
        .filter(organization=organization, pk=invitation_id)
        .first()
    )


def organization_api_key(*, organization: Organization, api_key_id: object) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("created_by")
        .filter(organization=organization, pk=api_key_id)
        .first()
    )
