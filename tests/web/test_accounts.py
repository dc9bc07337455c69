"""Sign-up, verification, sign-in, password reset and two-factor pages."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from marketplace.middleware import SESSION_ORGANIZATION_KEY
from marketplace.models import MemberRole, Membership, Organization, User
from tests.web.conftest import PASSWORD, browser, link_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-Passphrase-42"


def test_signup_verify_create_organization_then_dashboard(client):
    # given: someone signs up
    response = client.post(
        reverse("account_signup"),
        {"email": "Founder@Example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    user = User.objects.get(email__iexact="founder@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1

    # when: they follow the link in the email and confirm
    confirm_path = link_in(mail.outbox[0].body, "/accounts/confirm-email/")
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert b"Confirm" in page.content
    response = client.post(confirm_path)

    # then: verified, signed in, and sent to create their organization
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.status_code == 302
    assert response.url == reverse("organization_create")
    assert client.get(reverse("dashboard")).url == reverse("organization_create")

    response = client.post(
        reverse("organization_create"), {"name": "  Acme Leads  ", "kind": "supplier"}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    organization = Organization.objects.get()
    assert organization.name == "Acme Leads"
    assert organization.kind == "supplier"
    membership = Membership.objects.get(organization=organization)
    assert (membership.user, membership.role) == (user, MemberRole.OWNER)
    assert client.session[SESSION_ORGANIZATION_KEY] == str(organization.pk)

    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert b"Acme Leads" in dashboard.content
    assert b"Leads you sent" in dashboard.content


def test_login_of_user_with_organization_goes_to_dashboard(client, supplier_a):
    response = client.post(
        reverse("account_login"), {"login": supplier_a.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_login_of_user_without_organization_goes_to_create_it(client, outsider):
    response = client.post(
        reverse("account_login"), {"login": outsider.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("organization_create")


def test_login_rejects_unverified_email(client):
    user = User.objects.create_user(email="unverified@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1  # a fresh verification link
    assert client.get(reverse("dashboard")).status_code == 302


def test_login_with_wrong_password_shows_error_in_place(client, supplier_a):
    response = client.post(
        reverse("account_login"), {"login": supplier_a.user.email, "password": "nope-nope-nope"}
    )
    assert response.status_code == 200
    assert b'class="form-errors"' in response.content
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_email_and_sets_new_password(client, supplier_a):
    response = client.post(reverse("account_reset_password"), {"email": supplier_a.user.email})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [supplier_a.user.email]

    key_path = link_in(mail.outbox[0].body, "/accounts/password/reset/key/")
    response = client.get(key_path)  # allauth moves the key into the session
    assert response.status_code == 302
    form_page = client.get(response.url)
    assert form_page.status_code == 200
    response = client.post(response.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    supplier_a.user.refresh_from_db()
    assert supplier_a.user.check_password(NEW_PASSWORD)


def test_password_reset_for_unknown_email_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")


def test_totp_activation_is_reachable_after_reauthentication(client, supplier_a):
    client.post(reverse("account_login"), {"login": supplier_a.user.email, "password": PASSWORD})
    assert client.get(reverse("mfa_index")).status_code == 200

    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))

    reauth = client.get(response.url)
    assert reauth.status_code == 200
    response = client.post(response.url, {"password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert b'class="qr"' in page.content
    assert b'for="id_code"' in page.content  # the code input has a visible label


@pytest.mark.parametrize(
    "url_name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_entrance_pages_use_the_site_layout(client, url_name):
    page = client.get(reverse(url_name))
    assert page.status_code == 200
    assert b'class="skip-link"' in page.content
    assert b'class="auth-card"' in page.content
    assert b"/static/css/app.css" in page.content


@pytest.mark.parametrize(
    "url_name", ["account_email", "account_change_password", "mfa_index", "account_logout"]
)
def test_account_pages_use_the_site_layout(supplier_a, url_name):
    page = browser(supplier_a.user).get(reverse(url_name))
    assert page.status_code == 200
    assert b'class="skip-link"' in page.content
    assert b"/static/css/app.css" in page.content


def test_logout_signs_out_on_post(supplier_a):
    client = browser(supplier_a.user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [
        {"email": "", "password1": "", "password2": ""},
        {"email": "not-an-email", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        {"email": "nul\x00@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        {
            "email": "a" * 10_000 + "@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        {"email": "ok@example.com", "password1": "x" * 10_000, "password2": "y"},
    ],
)
def test_signup_with_hostile_input_shows_form_errors(client, data):
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not User.objects.exists()
    assert not mail.outbox


def _current_totp(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_totp_activation_recovery_codes_and_sign_in_with_a_code(client, supplier_a):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    # given: signed in and re-authenticated
    client.post(reverse("account_login"), {"login": supplier_a.user.email, "password": PASSWORD})
    client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("mfa_activate_totp"),
        {"password": PASSWORD},
    )
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]

    # when: a wrong code, then the right one
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert b'class="errorlist"' in wrong.content
    assert not Authenticator.objects.filter(user=supplier_a.user).exists()
    response = client.post(reverse("mfa_activate_totp"), {"code": _current_totp(secret)})

    # then: TOTP and recovery codes exist, and their pages render in our layout
    assert response.status_code == 302
    kinds = set(Authenticator.objects.filter(user=supplier_a.user).values_list("type", flat=True))
    assert kinds == {"totp", "recovery_codes"}
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert b'id="recovery_codes"' in codes.content
    assert b"settings-shell" in codes.content
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200

    # and: the next sign-in asks for a code before letting them in
    client.post(reverse("account_logout"))
    response = client.post(
        reverse("account_login"), {"login": supplier_a.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert b'class="auth-card"' in page.content
