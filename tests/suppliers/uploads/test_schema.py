"""The OpenAPI schema and the project's docs name every status an upload can show."""

from __future__ import annotations

from pathlib import Path

import pytest

from suppliers.uploads.models import UploadStatus

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs" / "uploads.md"


def _upload_schema(anonymous) -> dict:
    schema = anonymous.get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    status = components["Upload"]["properties"]["status"]
    if "$ref" in status or "allOf" in status:
        ref = status.get("$ref") or status["allOf"][0]["$ref"]
        status = {**components[ref.rsplit("/", 1)[1]], **status}
    return status


def test_openapi_schema_lists_and_describes_every_upload_status(anonymous):
    status = _upload_schema(anonymous)

    assert set(status["enum"]) == set(UploadStatus.values)
    for value in UploadStatus.values:
        assert f"`{value}`" in status["description"]


def test_docs_describe_every_upload_status():
    text = DOCS.read_text(encoding="utf-8")

    for value in UploadStatus.values:
        assert f"`{value}`" in text
