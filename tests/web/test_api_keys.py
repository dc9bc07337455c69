"""API keys on the organization's page: shown once, usable, revocable, owners only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from marketplace.models import ApiKey
from marketplace.services.api_keys import hash_api_key
from tests.form_errors import form_errors
from tests.web.conftest import browser

pytestmark = pytest.mark.django_db

KEY_RE = re.compile(r"lmk_[A-Za-z0-9_\-]{20,}")


def test_created_key_is_shown_once_and_works_until_revoked(supplier_a):
    client = browser(supplier_a.user)

    # when: the owner creates a key
    response = client.post(reverse("api_key_create"), {"name": "Landing pages"})

    # then: the page shows it once, and only its hash is stored
    assert response.status_code == 200
    raw_key = KEY_RE.search(response.content.decode()).group(0)
    api_key = ApiKey.objects.get(organization=supplier_a.organization, name="Landing pages")
    assert api_key.key_hash == hash_api_key(raw_key)
    assert api_key.created_by == supplier_a.user
    assert raw_key not in str(dict(client.session))
    assert b"data-copy-target" in response.content
    assert b"only time it is shown" in response.content
    listing = client.get(reverse("api_key_list")).content.decode()
    assert raw_key not in listing
    assert api_key.prefix in listing

    # and: it acts for the supplier on the API
    api = browser()
    answer = api.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert answer.status_code == 200
    assert answer.json()["results"] == []

    # when: the owner confirms revocation
    confirm = client.get(reverse("api_key_revoke", args=[api_key.pk]))
    assert confirm.status_code == 200
    assert b"Revoke key" in confirm.content
    response = client.post(reverse("api_key_revoke", args=[api_key.pk]))

    # then: the key is dead
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    answer = api.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert answer.status_code == 401


def test_revoking_twice_says_so_and_changes_nothing(supplier_a):
    client = browser(supplier_a.user)
    api_key = ApiKey.objects.get(organization=supplier_a.organization)
    client.post(reverse("api_key_revoke", args=[api_key.pk]))
    api_key.refresh_from_db()
    first = api_key.revoked_at

    response = client.post(reverse("api_key_revoke", args=[api_key.pk]))

    assert response.status_code == 400
    assert form_errors(response.content.decode()) == ["This key is already revoked."]
    assert b"Revoke key" in response.content  # the confirmation, the error inside its form
    api_key.refresh_from_db()
    assert api_key.revoked_at == first


def test_member_sees_keys_but_cannot_create_or_revoke(supplier_a, supplier_member):
    client = browser(supplier_member)
    api_key = ApiKey.objects.get(organization=supplier_a.organization)

    listing = client.get(reverse("api_key_list"))
    assert listing.status_code == 200
    assert api_key.prefix.encode() in listing.content
    assert reverse("api_key_revoke", args=[api_key.pk]).encode() not in listing.content

    assert client.post(reverse("api_key_create"), {"name": "Mine"}).status_code == 403
    assert client.get(reverse("api_key_revoke", args=[api_key.pk])).status_code == 403
    assert client.post(reverse("api_key_revoke", args=[api_key.pk])).status_code == 403

    assert ApiKey.objects.filter(organization=supplier_a.organization).count() == 1
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_owner_cannot_revoke_another_organizations_key(supplier_a, supplier_b):
    other_key = ApiKey.objects.get(organization=supplier_b.organization)
    client = browser(supplier_a.user)

    assert client.post(reverse("api_key_revoke", args=[other_key.pk])).status_code == 404
    other_key.refresh_from_db()
    assert other_key.revoked_at is None


def test_keys_list_shows_only_own_organizations_keys(supplier_a, supplier_b):
    mine = ApiKey.objects.get(organization=supplier_a.organization)
    theirs = ApiKey.objects.get(organization=supplier_b.organization)
    theirs.prefix = "lmk_zzzzzz"
    theirs.save()

    page = browser(supplier_a.user).get(reverse("api_key_list")).content

    assert mine.prefix.encode() in page
    assert theirs.prefix.encode() not in page


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 10_000, "Landing\x00pages"], ids=["empty", "blank", "long", "nul"]
)
def test_hostile_key_name_gives_form_error(supplier_a, name):
    response = browser(supplier_a.user).post(reverse("api_key_create"), {"name": name})

    assert response.status_code == 400
    assert b'class="errorlist"' in response.content
    assert not KEY_RE.search(response.content.decode())
    assert ApiKey.objects.filter(organization=supplier_a.organization).count() == 1


def test_create_key_needs_post(supplier_a):
    assert browser(supplier_a.user).get(reverse("api_key_create")).status_code == 405
