"""The OpenAPI schema and the browsable docs."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_is_served_and_valid(anonymous):
    response = anonymous.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200, response.content[:300]
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    assert {"/api/v1/leads/", "/api/v1/leads/batch/", "/api/v1/segments/"} <= set(paths)
    lead_input = schema["components"]["schemas"]["LeadInputRequest"]
    assert {"segment", "external_id", "first_name", "country", "consent"} <= set(
        lead_input["required"]
    )
    assert "fields" in schema["components"]["schemas"]["Segment"]["properties"]
    assert set(schema["components"]["securitySchemes"]) == {"apiKey", "session"}
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    post_responses = paths["/api/v1/leads/"]["post"]["responses"]
    assert {"201", "200", "409", "422"} <= set(post_responses)


def test_spectacular_validates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    assert out.getvalue().startswith("openapi: 3.")


def test_docs_serve_swagger_ui_from_the_sidecar(anonymous):
    response = anonymous.get("/api/v1/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    sidecar = [url for url in assets if "drf_spectacular_sidecar" in url]
    assert any(url.endswith("swagger-ui-bundle.js") for url in sidecar), assets
    assert any(url.endswith("swagger-ui.css") for url in sidecar), assets
    assert not [url for url in assets if url.startswith(("http://", "https://", "//"))]
    for url in sidecar:
        path = url.split("/static/", 1)[1]
        assert finders.find(path), f"{path} is not a static file"


def test_segments_are_public_and_match_the_contract(anonymous):
    response = anonymous.get("/api/v1/segments/")

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    slugs = {segment["slug"] for segment in body["results"]}
    assert {"insurance", "travel", "courses", "loans"} <= slugs
    loans = next(s for s in body["results"] if s["slug"] == "loans")
    assert list(loans)[:3] == ["slug", "name", "fields"]
    assert loans["fields"]["required"] == ["amount"]
    assert loans["default_price"] == "12.50"
    assert {"max_sales_limit", "dedup_window_days", "return_reasons"} <= set(loans)
