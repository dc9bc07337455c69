"""Small helpers shared by the intake tests."""

from __future__ import annotations

from rest_framework.response import Response

from marketplace.models import Lead

LEADS_URL = "/api/v1/leads/"
BATCH_URL = "/api/v1/leads/batch/"


def post_lead(actor, payload: object, **extra: object) -> Response:
    return actor.api().post(LEADS_URL, payload, format="json", **extra)


def assert_envelope(response, *, status: int, code: str | None = None) -> dict:
    """Every API error is {"error": {"code", "message", "fields"}}; returns the error."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "fields"} <= set(error), error
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


def lead_count() -> int:
    return Lead.objects.count()
