"""API keys: who gets in, and as whom."""

from __future__ import annotations

import pytest
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from marketplace.api.permissions import IsModerator
from marketplace.models import ApiKey, Lead
from marketplace.services.api_keys import (
    api_key_create,
    api_key_revoke,
    hash_api_key,
)
from tests.factories import lead_payload
from tests.suppliers.helpers import LEADS_URL, assert_envelope

pytestmark = pytest.mark.django_db


def _client(header: str | None) -> APIClient:
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


def _assert_401(response) -> None:
    assert_envelope(response, status=401, code="unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def _assert_view_error(response, *, status: int, code: str) -> None:
    assert response.status_code == status, response.data
    assert set(response.data) == {"error"}
    assert response.data["error"]["code"] == code


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Bearer lmk_not-a-real-key",
        "Bearer garbage",
        "Bearer lmk_" + "a" * 300,
        "Bearer two parts",
        "Bearer lmk_\u00e9\u00e9",
    ],
)
def test_missing_or_garbage_key_is_401_and_nothing_is_stored(supplier_a, header):
    for method in ("get", "post"):
        response = getattr(_client(header), method)(LEADS_URL, lead_payload(), format="json")
        _assert_401(response)
    assert Lead.objects.count() == 0


def test_non_bearer_scheme_is_not_authenticated(supplier_a):
    response = _client(f"Token {supplier_a.api_key}").get(LEADS_URL)

    _assert_401(response)


def test_key_is_stored_only_as_a_hash(supplier_a):
    api_key = ApiKey.objects.get(organization=supplier_a.organization)
    assert api_key.key_hash == hash_api_key(supplier_a.api_key)
    assert supplier_a.api_key not in api_key.key_hash
    assert supplier_a.api_key.startswith(api_key.prefix)


def test_revoked_key_is_401(supplier_a):
    assert supplier_a.api().get(LEADS_URL).status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(organization=supplier_a.organization))

    response = supplier_a.api().post(LEADS_URL, lead_payload(), format="json")

    _assert_401(response)
    assert Lead.objects.count() == 0


def test_another_key_of_the_same_organization_keeps_working(supplier_a):
    second = api_key_create(
        organization=supplier_a.organization, name="second", created_by=supplier_a.user
    )
    api_key_revoke(api_key=ApiKey.objects.get(organization=supplier_a.organization, name="test"))

    response = _client(f"Bearer {second.raw_key}").get(LEADS_URL)

    assert response.status_code == 200


@pytest.mark.parametrize("actor", ["buyer_a", "moderator"])
def test_non_supplier_keys_are_403_on_supplier_endpoints(cast, actor):
    api = cast[actor].api()

    for response in (
        api.get(LEADS_URL),
        api.post(LEADS_URL, lead_payload(), format="json"),
        api.post("/api/v1/leads/batch/", {"leads": [lead_payload()]}, format="json"),
    ):
        assert_envelope(response, status=403, code="forbidden")
    assert Lead.objects.count() == 0


def test_outsider_without_organization_cannot_send_leads_from_a_browser(outsider):
    response = outsider.browser().post(LEADS_URL, lead_payload(), format="json")

    assert_envelope(response, status=403)
    assert Lead.objects.count() == 0


def test_supplier_browser_session_acts_for_its_organization(supplier_a):
    response = supplier_a.browser().get(LEADS_URL)

    assert response.status_code == 200


def test_last_used_is_recorded(supplier_a):
    supplier_a.api().get(LEADS_URL)

    assert ApiKey.objects.get(organization=supplier_a.organization).last_used_at is not None


class _ModeratorOnly(APIView):
    permission_classes = [IsAuthenticated, IsModerator]

    def get(self, request):
        return Response({"user": str(request.user.pk)})


def _moderator_view(actor_key: str | None):
    factory = APIRequestFactory()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {actor_key}"} if actor_key else {}
    request = factory.get("/api/v1/moderation/probe/", **headers)
    response = _ModeratorOnly.as_view()(request)
    response.render()
    return response


def test_moderator_key_passes_moderator_checks(moderator):
    response = _moderator_view(moderator.api_key)

    assert response.status_code == 200
    assert response.data == {"user": str(moderator.user.pk)}


@pytest.mark.parametrize("actor", ["supplier_a", "buyer_a"])
def test_organization_keys_fail_moderator_checks(cast, actor):
    response = _moderator_view(cast[actor].api_key)

    _assert_view_error(response, status=403, code="forbidden")


@pytest.mark.parametrize("change", [{"is_staff": False}, {"is_active": False}])
def test_key_of_a_moderator_who_lost_the_role_is_401(moderator, change):
    for name, value in change.items():
        setattr(moderator.user, name, value)
    moderator.user.save()

    response = _moderator_view(moderator.api_key)
    _assert_view_error(response, status=401, code="unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    _assert_401(moderator.api().get("/api/v1/segments/"))


def test_moderator_key_reads_public_endpoints(moderator):
    assert moderator.api().get("/api/v1/segments/").status_code == 200
