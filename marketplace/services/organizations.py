"""Organizations, their members and invitations."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.models import (
    Invitation,
    MemberRole,
    Membership,
    Organization,
    OrganizationKind,
    User,
)

INVITATION_TTL = timedelta(days=7)


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def user_create(
    *, email: str, password: str | None, verified: bool = True, is_staff: bool = False
) -> User:
    """A person who can sign in, with their email already verified (operators' commands)."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("A user with the email %(email)s already exists.") % {"email": email},
            code="duplicate",
        )
    user = User.objects.create_user(email=email, password=password, is_staff=is_staff)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


@transaction.atomic
def organization_create(*, name: str, kind: str, owner: User) -> Organization:
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 200:
        errors["name"] = [_("At most 200 characters.")]
    if kind not in OrganizationKind.values:
        errors["kind"] = [
            _("Must be one of: %(choices)s.") % {"choices": ", ".join(OrganizationKind.values)}
        ]
    if errors:
        raise ValidationFailed(_("The organization is not valid."), fields=errors)
    organization = Organization.objects.create(name=name, kind=kind)
    Membership.objects.create(organization=organization, user=owner, role=MemberRole.OWNER)
    return organization


def _require_owner(*, organization: Organization, user: User) -> None:
    if not Membership.objects.filter(
        organization=organization, user=user, role=MemberRole.OWNER
    ).exists():
        raise Forbidden(_("Only the organization's owners can do this."))


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, invited_by: User
) -> IssuedInvitation:
    _require_owner(organization=organization, user=invited_by)
    email = (email or "").strip().lower()
    if role not in MemberRole.values:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Must be owner or member.")]})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(_("%(email)s is already a member.") % {"email": email}, code="duplicate")
    # A new invitation replaces any open one for the same address.
    Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_TTL,
    )
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_by_token(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=_hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_by_token(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise Conflict(_("This invitation has expired, was withdrawn or was already used."))
    if invitation.email.lower() != user.email.lower():
        raise Forbidden(
            _("This invitation is for %(email)s; sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organization=invitation.organization, user=user, role=invitation.role
            )
    except IntegrityError:
        membership = Membership.objects.get(organization=invitation.organization, user=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    _require_owner(organization=invitation.organization, user=by)
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise Conflict(_("This invitation is no longer open."))


@transaction.atomic
def member_remove(*, membership: Membership, by: User) -> None:
    _require_owner(organization=membership.organization, user=by)
    owners = Membership.objects.select_for_update().filter(
        organization=membership.organization, role=MemberRole.OWNER
    )
    if membership.role == MemberRole.OWNER and owners.count() <= 1:
        raise Conflict(_("An organization needs at least one owner."))
    membership.delete()


@transaction.atomic
def organization_update(*, organization: Organization, name: str, by: User) -> Organization:
    """Rename an organization (owners only). Its kind is fixed once leads exist."""
    _require_owner(organization=organization, user=by)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("The name is required."), fields={"name": [_("This field is required.")]}
        )
    if len(name) > 200:
        raise ValidationFailed(
            _("The name is too long."), fields={"name": [_("At most 200 characters.")]}
        )
    Organization.objects.filter(pk=organization.pk).update(name=name)
    organization.name = name
    return organization
