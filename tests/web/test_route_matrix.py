"""Who gets what on every web route: the statuses for each role, with an empty
POST body. Objects in the URLs belong to supplier A (its API key, its member,
its open invitation for someone else's address)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace.models import ApiKey, Invitation, MemberRole, Membership
from marketplace.services.organizations import invitation_create
from tests.web.conftest import add_member, browser

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "member", "buyer", "moderator", "no_org")


def row(*statuses: int) -> dict[str, int]:
    assert len(statuses) == len(ROLES)
    return dict(zip(ROLES, statuses, strict=True))


# name: (url builder, GET statuses, POST statuses)
MATRIX = {
    "home": (lambda w: reverse("home"), row(200, 302, 302, 302, 302, 302), row(*[405] * 6)),
    "dashboard": (
        lambda w: reverse("dashboard"),
        row(302, 200, 200, 200, 200, 302),
        row(302, 405, 405, 405, 405, 405),
    ),
    # The marketplace: buyers only; suppliers are refused, people without an
    # organization (the moderator here) are sent to create one.
    "catalog": (
        lambda w: reverse("catalog"),
        row(302, 403, 403, 200, 302, 302),
        row(302, 405, 405, 405, 302, 302),
    ),
    "organization_create": (
        lambda w: reverse("organization_create"),
        row(302, 200, 200, 200, 200, 200),
        row(302, 400, 400, 400, 400, 400),
    ),
    "organization_switch": (
        lambda w: reverse("organization_switch"),
        row(302, 405, 405, 405, 405, 405),
        row(302, 400, 400, 400, 400, 400),
    ),
    "organization_settings": (
        lambda w: reverse("organization_settings"),
        row(302, 200, 200, 200, 302, 302),
        row(302, 405, 405, 405, 302, 302),
    ),
    "organization_update": (
        lambda w: reverse("organization_update"),
        row(302, 405, 403, 405, 302, 302),
        row(302, 400, 403, 400, 302, 302),
    ),
    "invitation_create": (
        lambda w: reverse("invitation_create"),
        row(302, 405, 403, 405, 302, 302),
        row(302, 400, 403, 400, 302, 302),
    ),
    "invitation_revoke": (
        lambda w: reverse("invitation_revoke", args=[w["invitation"].pk]),
        row(302, 405, 403, 405, 302, 302),
        row(302, 302, 403, 404, 302, 302),
    ),
    "member_remove": (
        lambda w: reverse("member_remove", args=[w["membership"].pk]),
        row(302, 200, 403, 404, 302, 302),
        row(302, 302, 403, 404, 302, 302),
    ),
    "api_key_list": (
        lambda w: reverse("api_key_list"),
        row(302, 200, 200, 200, 302, 302),
        row(302, 405, 405, 405, 302, 302),
    ),
    "api_key_create": (
        lambda w: reverse("api_key_create"),
        row(302, 405, 403, 405, 302, 302),
        row(302, 400, 403, 400, 302, 302),
    ),
    "api_key_revoke": (
        lambda w: reverse("api_key_revoke", args=[w["api_key"].pk]),
        row(302, 200, 403, 404, 302, 302),
        row(302, 302, 403, 404, 302, 302),
    ),
    # Addressed to someone else: every signed-in role here has the wrong email.
    "invitation_accept": (
        lambda w: reverse("invitation_accept", kwargs={"token": w["token"]}),
        row(200, 403, 403, 403, 403, 403),
        row(302, 403, 403, 403, 403, 403),
    ),
}


@pytest.fixture
def world(supplier_a, buyer_a, moderator, outsider):
    member = add_member(supplier_a.organization, "member.of.a@example.com")
    issued = invitation_create(
        organization=supplier_a.organization,
        email="invitee@example.com",
        role=MemberRole.MEMBER,
        invited_by=supplier_a.user,
    )
    return {
        "users": {
            "anonymous": None,
            "owner": supplier_a.user,
            "member": member,
            "buyer": buyer_a.user,
            "moderator": moderator.user,
            "no_org": outsider.user,
        },
        "invitation": issued.invitation,
        "token": issued.token,
        "membership": Membership.objects.get(user=member),
        "api_key": ApiKey.objects.get(organization=supplier_a.organization),
    }


def test_every_web_route_is_in_the_matrix():
    from marketplace.web.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} == set(MATRIX)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_answers_each_role_as_the_matrix_says(world, name, role, method):
    url_of, get_expect, post_expect = MATRIX[name]
    client = browser(world["users"][role])
    url = url_of(world)

    response = client.get(url) if method == "GET" else client.post(url, {})

    expected = (get_expect if method == "GET" else post_expect)[role]
    assert response.status_code == expected, (name, role, method, response.status_code)


def test_matrix_side_effects_stay_inside_the_owners_organization(world):
    # The only writes the matrix allows: supplier A's owner on supplier A's objects.
    client = browser(world["users"]["buyer"])
    client.post(reverse("api_key_revoke", args=[world["api_key"].pk]))
    client.post(reverse("member_remove", args=[world["membership"].pk]))
    client.post(reverse("invitation_revoke", args=[world["invitation"].pk]))

    assert ApiKey.objects.get(pk=world["api_key"].pk).revoked_at is None
    assert Membership.objects.filter(pk=world["membership"].pk).exists()
    assert Invitation.objects.get(pk=world["invitation"].pk).revoked_at is None
