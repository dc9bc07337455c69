"""Organization pages: create, switch, settings, members."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from marketplace.middleware import SESSION_ORGANIZATION_KEY
from marketplace.models import MemberRole, Membership, Organization
from marketplace.services.organizations import organization_create
from tests.form_errors import form_errors
from tests.web.conftest import browser

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    ["dashboard", "organization_settings", "api_key_list", "organization_create"],
)
def test_pages_ask_anonymous_people_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("url_name", ["dashboard", "organization_settings", "api_key_list"])
def test_user_without_organization_is_sent_to_create_one(outsider, url_name):
    response = browser(outsider.user).get(reverse(url_name))
    assert response.status_code == 302
    assert response.url == reverse("organization_create")


def test_create_organization_form_is_accessible(outsider):
    page = browser(outsider.user).get(reverse("organization_create")).content.decode()
    assert '<label for="id_name">' in page
    assert "<legend>" in page
    for kind in ("supplier", "buyer", "both"):
        assert f'value="{kind}"' in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": "supplier"}, "name"),
        ({"name": "   ", "kind": "buyer"}, "name"),
        ({"name": "x" * 10_000, "kind": "supplier"}, "name"),
        ({"name": "Acme\x00Leads", "kind": "supplier"}, "name"),
        ({"name": "Acme", "kind": "emperor"}, "kind"),
        ({"name": "Acme"}, "kind"),
        ({}, "name"),
    ],
)
def test_create_organization_with_hostile_input_shows_errors(outsider, data, field):
    response = browser(outsider.user).post(reverse("organization_create"), data)

    assert response.status_code == 400
    assert f'id="id_{field}_errors"'.encode() in response.content
    assert not Organization.objects.filter(memberships__user=outsider.user).exists()


def test_a_second_organization_can_be_created_and_becomes_current(supplier_a):
    client = browser(supplier_a.user)
    response = client.post(reverse("organization_create"), {"name": "Acme Buying", "kind": "buyer"})

    assert response.status_code == 302
    created = Organization.objects.get(name="Acme Buying")
    assert Membership.objects.get(organization=created, user=supplier_a.user).role == "owner"
    assert client.session[SESSION_ORGANIZATION_KEY] == str(created.pk)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Leads you can buy" in dashboard
    assert "Leads you sent" not in dashboard


def test_switcher_lists_organizations_and_switches(supplier_a):
    second = organization_create(name="Second Org", kind="buyer", owner=supplier_a.user)
    client = browser(supplier_a.user)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("organization_switch") in page
    assert "Second Org" in page

    response = client.post(
        reverse("organization_switch"), {"organization": str(second.pk), "next": "/organization/"}
    )

    assert response.status_code == 302
    assert response.url == "/organization/"
    assert client.session[SESSION_ORGANIZATION_KEY] == str(second.pk)
    assert "Second Org" in client.get(reverse("organization_settings")).content.decode()


def test_switcher_is_hidden_with_one_organization(supplier_a):
    page = browser(supplier_a.user).get(reverse("dashboard")).content.decode()
    assert reverse("organization_switch") not in page


def test_switcher_refuses_an_organization_the_user_is_not_in(supplier_a, supplier_b):
    client = browser(supplier_a.user)
    client.get(reverse("dashboard"))

    response = client.post(
        reverse("organization_switch"), {"organization": str(supplier_b.organization.pk)}
    )

    assert response.status_code == 404
    assert client.session.get(SESSION_ORGANIZATION_KEY) != str(supplier_b.organization.pk)
    page = client.get(reverse("organization_settings")).content.decode()
    assert supplier_a.organization.name in page
    assert supplier_b.organization.name not in page


@pytest.mark.parametrize("value", ["", "not-a-uuid", "x" * 10_000, "\x00"])
def test_switcher_refuses_malformed_input(supplier_a, value):
    client = browser(supplier_a.user)
    response = client.post(reverse("organization_switch"), {"organization": value})
    assert response.status_code == 400
    assert SESSION_ORGANIZATION_KEY not in client.session


def test_switcher_ignores_a_foreign_next_url(supplier_a):
    client = browser(supplier_a.user)
    response = client.post(
        reverse("organization_switch"),
        {"organization": str(supplier_a.organization.pk), "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_switch_needs_post(supplier_a):
    assert browser(supplier_a.user).get(reverse("organization_switch")).status_code == 405


def test_settings_show_members_and_owner_tools(supplier_a, supplier_member):
    page = browser(supplier_a.user).get(reverse("organization_settings")).content.decode()
    assert supplier_member.email in page
    assert reverse("invitation_create") in page
    membership = Membership.objects.get(user=supplier_member)
    assert reverse("member_remove", args=[membership.pk]) in page


def test_member_sees_members_but_no_owner_tools(supplier_a, supplier_member):
    page = browser(supplier_member).get(reverse("organization_settings")).content.decode()
    assert supplier_a.user.email in page
    assert reverse("invitation_create") not in page
    assert "/remove/" not in page
    assert reverse("organization_update") not in page


def test_owner_removes_a_member(supplier_a, supplier_member):
    membership = Membership.objects.get(user=supplier_member)
    client = browser(supplier_a.user)

    assert client.get(reverse("member_remove", args=[membership.pk])).status_code == 200
    response = client.post(reverse("member_remove", args=[membership.pk]))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_owner_cannot_be_removed(supplier_a):
    membership = Membership.objects.get(user=supplier_a.user)

    response = browser(supplier_a.user).post(reverse("member_remove", args=[membership.pk]))

    assert response.status_code == 400
    assert form_errors(response.content.decode()) == ["An organization needs at least one owner."]
    assert b"Remove member" in response.content  # the confirmation, the error inside its form
    assert Membership.objects.filter(pk=membership.pk, role=MemberRole.OWNER).exists()


def test_member_cannot_remove_anyone(supplier_a, supplier_member):
    owner_membership = Membership.objects.get(user=supplier_a.user)
    client = browser(supplier_member)
    assert client.post(reverse("member_remove", args=[owner_membership.pk])).status_code == 403
    assert Membership.objects.filter(organization=supplier_a.organization).count() == 2


def test_owner_cannot_remove_members_of_another_organization(supplier_a, supplier_b):
    other = Membership.objects.get(user=supplier_b.user)
    response = browser(supplier_a.user).post(reverse("member_remove", args=[other.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()
    unknown = browser(supplier_a.user).post(reverse("member_remove", args=[uuid.uuid4()]))
    assert unknown.status_code == 404


def test_owner_renames_the_organization(supplier_a):
    response = browser(supplier_a.user).post(reverse("organization_update"), {"name": "New Name"})
    assert response.status_code == 302
    supplier_a.organization.refresh_from_db()
    assert supplier_a.organization.name == "New Name"


@pytest.mark.parametrize("name", ["", "x" * 10_000, "Bad\x00Name"], ids=["empty", "long", "nul"])
def test_rename_with_hostile_input_shows_error(supplier_a, name):
    response = browser(supplier_a.user).post(reverse("organization_update"), {"name": name})
    assert response.status_code == 400
    assert b'id="id_name_errors"' in response.content
    supplier_a.organization.refresh_from_db()
    assert supplier_a.organization.name == "Supplier A"


def test_member_cannot_rename(supplier_a, supplier_member):
    response = browser(supplier_member).post(reverse("organization_update"), {"name": "Taken"})
    assert response.status_code == 403
    supplier_a.organization.refresh_from_db()
    assert supplier_a.organization.name == "Supplier A"


def test_pages_are_not_cached(supplier_a):
    response = browser(supplier_a.user).get(reverse("organization_settings"))
    assert "no-store" in response["Cache-Control"]


def test_forms_are_csrf_protected(supplier_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(supplier_a.user)
    response = client.post(reverse("api_key_create"), {"name": "No token"})
    assert response.status_code == 403
    assert Organization.objects.get(pk=supplier_a.organization.pk).api_keys.count() == 1


def test_read_only_pages_refuse_post(client, supplier_a):
    assert client.post(reverse("home")).status_code == 405
    assert client.post(reverse("dashboard")).status_code == 302  # sign in first
    signed_in = browser(supplier_a.user)
    assert signed_in.post(reverse("home")).status_code == 405
    assert signed_in.post(reverse("dashboard")).status_code == 405
    assert signed_in.post(reverse("organization_settings")).status_code == 405
    assert signed_in.post(reverse("api_key_list")).status_code == 405


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "У организации должен быть хотя бы один владелец."),  # noqa: RUF001
        ("ro", "O organizație are nevoie de cel puțin un proprietar."),
        ("pl", "Organizacja musi mieć co najmniej jednego właściciela."),
    ],
)
def test_a_refused_removal_speaks_the_owners_language(supplier_a, language, message):
    membership = Membership.objects.get(user=supplier_a.user)

    response = browser(supplier_a.user).post(
        reverse("member_remove", args=[membership.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 400
    assert form_errors(response.content.decode()) == [message]
    assert Membership.objects.filter(pk=membership.pk).exists()
