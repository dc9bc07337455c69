"""Invitations: the owner invites by email, the invitee accepts on /invitations/<token>/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marketplace.middleware import SESSION_ORGANIZATION_KEY
from marketplace.models import Invitation, MemberRole, Membership, User
from marketplace.services.organizations import invitation_create
from marketplace.tasks import send_invitation_email
from tests.form_errors import form_errors
from tests.web.conftest import PASSWORD, browser, link_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-Passphrase-42"


def invite(actor, email: str, role: str = MemberRole.MEMBER) -> str:
    issued = invitation_create(
        organization=actor.organization, email=email, role=role, invited_by=actor.user
    )
    return reverse("invitation_accept", kwargs={"token": issued.token})


def test_invite_email_signup_and_accept(supplier_a, django_capture_on_commit_callbacks):
    owner = browser(supplier_a.user)

    # given: the owner invites a colleague
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            reverse("invitation_create"), {"email": "New.Colleague@Example.com", "role": "member"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=supplier_a.organization)
    assert invitation.email == "new.colleague@example.com"
    assert invitation.invited_by == supplier_a.user
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.colleague@example.com"]
    assert supplier_a.organization.name in mail.outbox[0].subject
    accept_path = link_in(mail.outbox[0].body, "/invitations/")
    assert (
        "new.colleague@example.com" in owner.get(reverse("organization_settings")).content.decode()
    )

    # when: the invitee opens the link, signs up with that address and accepts
    invitee = browser()
    page = invitee.get(accept_path)
    assert page.status_code == 200
    assert reverse("account_signup").encode() in page.content
    response = invitee.post(
        reverse("account_signup") + f"?next={accept_path}",
        {
            "email": "new.colleague@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    # the link came to that address, so no second verification email is needed
    assert response.status_code == 302
    assert response.url == accept_path
    assert len(mail.outbox) == 1
    user = User.objects.get(email="new.colleague@example.com")
    assert invitee.session["_auth_user_id"] == str(user.pk)

    page = invitee.get(accept_path)
    assert page.status_code == 200
    assert f"Join {supplier_a.organization.name}".encode() in page.content
    response = invitee.post(accept_path)

    # then: a member, acting for that organization
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    membership = Membership.objects.get(user=user)
    assert membership.organization == supplier_a.organization
    assert membership.role == MemberRole.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    assert invitee.session[SESSION_ORGANIZATION_KEY] == str(supplier_a.organization.pk)

    # and: the link cannot be used again
    again = invitee.post(accept_path)
    assert again.status_code == 410
    assert b"already used" in again.content
    assert Membership.objects.filter(user=user).count() == 1


def test_existing_user_signs_in_and_accepts_as_owner(supplier_a, buyer_a):
    accept_path = invite(supplier_a, buyer_a.user.email, role=MemberRole.OWNER)
    client = browser()

    page = client.get(accept_path)
    assert page.status_code == 200
    login_link = reverse("account_login") + "?next="
    assert login_link.encode() in page.content
    response = client.post(
        reverse("account_login") + f"?next={accept_path}",
        {"login": buyer_a.user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == accept_path

    response = client.post(accept_path)

    assert response.status_code == 302
    membership = Membership.objects.get(user=buyer_a.user, organization=supplier_a.organization)
    assert membership.role == MemberRole.OWNER
    assert client.session[SESSION_ORGANIZATION_KEY] == str(supplier_a.organization.pk)


def test_anonymous_post_is_sent_to_sign_in(supplier_a):
    accept_path = invite(supplier_a, "someone@example.com")
    response = browser().post(accept_path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Invitation.objects.filter(accepted_at__isnull=False).exists()


def test_wrong_email_is_refused_with_a_clear_message(supplier_a, buyer_a):
    accept_path = invite(supplier_a, "someone.else@example.com")
    client = browser(buyer_a.user)

    page = client.get(accept_path)
    assert page.status_code == 403
    assert b"someone.else@example.com" in page.content
    assert b"but you are signed in as" in page.content

    response = client.post(accept_path)

    assert response.status_code == 403
    assert not Membership.objects.filter(
        user=buyer_a.user, organization=supplier_a.organization
    ).exists()
    assert Invitation.objects.get().accepted_at is None


def test_expired_invitation_is_refused(supplier_a, buyer_a):
    accept_path = invite(supplier_a, buyer_a.user.email)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client = browser(buyer_a.user)

    page = client.get(accept_path)
    assert page.status_code == 410
    assert b"expired" in page.content
    assert client.post(accept_path).status_code == 410
    assert not Membership.objects.filter(
        user=buyer_a.user, organization=supplier_a.organization
    ).exists()


def test_withdrawn_invitation_is_refused(supplier_a, buyer_a):
    accept_path = invite(supplier_a, buyer_a.user.email)
    invitation = Invitation.objects.get()
    owner = browser(supplier_a.user)

    response = owner.post(reverse("invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client = browser(buyer_a.user)
    page = client.get(accept_path)
    assert page.status_code == 410
    assert b"withdrawn" in page.content
    assert client.post(accept_path).status_code == 410
    assert not Membership.objects.filter(
        user=buyer_a.user, organization=supplier_a.organization
    ).exists()


def test_withdrawing_a_withdrawn_invitation_says_so_on_the_settings_page(supplier_a):
    invite(supplier_a, "someone@example.com")
    invite(supplier_a, "other@example.com")
    other = Invitation.objects.get(email="other@example.com")
    invitation = Invitation.objects.get(email="someone@example.com")
    owner = browser(supplier_a.user)
    owner.post(reverse("invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    withdrawn_at = invitation.revoked_at

    response = owner.post(reverse("invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 400
    page = response.content.decode()
    assert form_errors(page) == ["This invitation is no longer open."]
    assert "other@example.com" in page  # the settings page, the open invitation still listed
    invitation.refresh_from_db()
    other.refresh_from_db()
    assert (invitation.revoked_at, other.revoked_at) == (withdrawn_at, None)


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00"])
def test_unknown_token_is_not_found(client, token):
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_member_cannot_invite(supplier_a, supplier_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser(supplier_member).post(
            reverse("invitation_create"), {"email": "friend@example.com", "role": "owner"}
        )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_member_cannot_withdraw_invitations(supplier_a, supplier_member):
    invite(supplier_a, "someone@example.com")
    invitation = Invitation.objects.get()
    response = browser(supplier_member).post(reverse("invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_inviting_an_existing_member_shows_error(supplier_a, supplier_member):
    response = browser(supplier_a.user).post(
        reverse("invitation_create"), {"email": supplier_member.email, "role": "member"}
    )
    assert response.status_code == 400
    assert b"already a member" in response.content
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "", "role": "member"},
        {"email": "not-an-email", "role": "member"},
        {"email": "a" * 10_000 + "@example.com", "role": "member"},
        {"email": "nul\x00@example.com", "role": "member"},
        {"email": "ok@example.com", "role": "emperor"},
    ],
)
def test_invite_with_hostile_input_shows_errors(
    supplier_a, data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser(supplier_a.user).post(reverse("invitation_create"), data)
    assert response.status_code == 400
    assert b'class="errorlist"' in response.content
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_invitation_email_task_is_safe_to_run_twice(supplier_a):
    invite(supplier_a, "twice@example.com")
    invitation = Invitation.objects.get()

    assert send_invitation_email(str(invitation.pk), "http://testserver/invitations/t/") is True
    assert send_invitation_email(str(invitation.pk), "http://testserver/invitations/t/") is False

    assert len(mail.outbox) == 1


def test_invitation_email_task_skips_withdrawn_invitations(supplier_a):
    invite(supplier_a, "late@example.com")
    Invitation.objects.update(revoked_at=timezone.now())
    invitation = Invitation.objects.get()

    assert send_invitation_email(str(invitation.pk), "http://testserver/invitations/t/") is False
    assert not mail.outbox
