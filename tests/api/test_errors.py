"""One error format for every error, DRF's and Django's own included."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.http import Http404
from django.test import override_settings
from rest_framework.test import APIRequestFactory

from marketplace.api.errors import exception_handler
from marketplace.errors import NotFound
from marketplace.models import Lead
from tests.factories import lead_payload
from tests.suppliers.helpers import LEADS_URL, assert_envelope

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(supplier_a):
    response = supplier_a.api().generic("POST", LEADS_URL, b'{"segment": ', "application/json")

    error = assert_envelope(response, status=400, code="malformed_request")
    assert "JSON" in error["message"]


def test_401_without_a_key(anonymous):
    response = anonymous.get(LEADS_URL)

    assert_envelope(response, status=401, code="unauthenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_403_for_the_wrong_kind_of_organization(buyer_a):
    assert_envelope(buyer_a.api().get(LEADS_URL), status=403, code="forbidden")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v1/leads/batch/extra/",
        "/api/v1/leads",  # no trailing slash: not redirected (a POST would lose its body)
        "/api/v2/leads/",
        "/api/",
        "/api/nothing",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_paths_are_404_in_the_envelope(supplier_a, path, method):
    response = getattr(supplier_a.api(), method)(path, {}, format="json")

    assert_envelope(response, status=404, code="not_found")


def test_unknown_api_path_is_404_even_without_a_key(anonymous):
    assert_envelope(anonymous.get("/api/v1/no-such-thing/"), status=404, code="not_found")


def test_unknown_objects_are_404_in_the_envelope():
    request = APIRequestFactory().get("/api/v1/anything/")
    for exc in (Http404("No Lead matches the given query."), NotFound("No such upload.")):
        response = exception_handler(exc, {"request": request})
        assert response.status_code == 404
        assert response.data["error"]["code"] == "not_found"
        assert response.data["error"]["fields"] == {}


@pytest.mark.parametrize("raw", [None, "p=abc", "p=2026&r=1", "p=\x00", "o=-5", "o=x"])
def test_invalid_or_forged_cursor_is_404_in_the_envelope(supplier_a, raw):
    import base64

    supplier_a.api().post(LEADS_URL, lead_payload(), format="json")
    cursor = "bad" if raw is None else base64.b64encode(raw.encode()).decode()

    response = supplier_a.api().get(LEADS_URL, {"cursor": cursor})

    assert_envelope(response, status=404, code="not_found")


@pytest.mark.parametrize("method", ["delete", "put", "patch"])
def test_405_for_a_method_the_endpoint_does_not_have(supplier_a, method):
    response = getattr(supplier_a.api(), method)(LEADS_URL, {}, format="json")

    error = assert_envelope(response, status=405, code="method_not_allowed")
    assert method.upper() in error["message"]


def test_415_for_a_text_body(supplier_a):
    response = supplier_a.api().generic("POST", LEADS_URL, json.dumps(lead_payload()), "text/plain")

    assert_envelope(response, status=415, code="unsupported_media_type")
    assert Lead.objects.count() == 0


def test_415_for_a_form_body(supplier_a):
    response = supplier_a.api().post(LEADS_URL, {"segment": "loans"})  # multipart

    assert_envelope(response, status=415, code="unsupported_media_type")


def test_413_for_a_12_mb_body(supplier_a):
    body = json.dumps(lead_payload(city="x" * (12 * 1024 * 1024))).encode()

    response = supplier_a.api().generic("POST", LEADS_URL, body, "application/json")

    assert_envelope(response, status=413, code="too_large")
    assert Lead.objects.count() == 0


def test_413_without_a_key_too(anonymous):
    body = b"x" * (12 * 1024 * 1024)

    assert_envelope(anonymous.generic("POST", LEADS_URL, body, "application/json"), status=413)


@pytest.mark.parametrize("length", ["ten", "-5"])
def test_bad_content_length_is_400(length):
    from django.test import Client

    response = Client().generic("POST", LEADS_URL, b"{}", "application/json", CONTENT_LENGTH=length)

    assert_envelope(response, status=400, code="malformed_request")


@override_settings(API_RATE_LIMIT="3/min")
def test_429_with_retry_after_when_rate_limited(supplier_a, supplier_b):
    cache.clear()
    api = supplier_a.api()
    for _ in range(3):
        assert api.get(LEADS_URL).status_code == 200

    response = api.post(LEADS_URL, lead_payload(), format="json")

    assert_envelope(response, status=429, code="rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 61
    assert Lead.objects.count() == 0
    # the limit is per key: another supplier is not slowed down
    assert supplier_b.api().get(LEADS_URL).status_code == 200


@override_settings(API_RATE_LIMIT="2/min")
def test_rate_limit_applies_to_anonymous_callers_by_address(anonymous):
    cache.clear()
    for _ in range(2):
        assert anonymous.get("/api/v1/segments/").status_code == 200

    assert_envelope(anonymous.get("/api/v1/segments/"), status=429, code="rate_limited")


def test_500_in_the_api_is_in_the_envelope(supplier_a, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("suppliers.api.lead_submit", explode)
    client = supplier_a.api()
    client.raise_request_exception = False

    response = client.post(LEADS_URL, lead_payload(), format="json")

    error = assert_envelope(response, status=500, code="server_error")
    assert "boom" not in error["message"]


def test_errors_are_never_cached(anonymous):
    response = anonymous.get(LEADS_URL)

    assert "no-store" in response["Cache-Control"]


def test_drf_validation_errors_are_422_with_flattened_fields():
    from rest_framework.exceptions import ValidationError

    request = APIRequestFactory().post("/api/v1/anything/")
    exc = ValidationError({"amount": ["Too small."], "consent": {"text": ["Required."]}})

    response = exception_handler(exc, {"request": request})

    assert response.status_code == 422
    assert response.data["error"]["code"] == "validation_failed"
    assert response.data["error"]["fields"] == {
        "amount": ["Too small."],
        "consent.text": ["Required."],
    }


@pytest.mark.parametrize(
    "query", ["segment=%00", "status=a%00", "limit=%00", "cursor=%00", "x%00=1"]
)
def test_hostile_query_strings_are_4xx_not_500(supplier_a, query):
    client = supplier_a.api()
    client.raise_request_exception = False

    response = client.get(f"{LEADS_URL}?{query}")

    assert 400 <= response.status_code < 500, response.content
    assert_envelope(response, status=response.status_code)


def test_invalid_utf8_in_a_filter_finds_nothing(supplier_a):
    response = supplier_a.api().get(f"{LEADS_URL}?segment=%FF")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_nul_in_the_path_is_refused(supplier_a):
    response = supplier_a.api().get("/api/v1/leads%00/")

    assert_envelope(response, status=400, code="malformed_request")
