from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from suppliers.uploads.services import upload_create

UPLOADS_URL = "/api/v1/uploads/"


@pytest.fixture(autouse=True)
def uploads_dir(settings, tmp_path) -> Path:
    folder = tmp_path / "uploads"
    settings.UPLOADS_DIR = folder
    return folder


def send(
    actor,
    content: bytes,
    *,
    name: str = "leads.csv",
    segment: str = "loans",
    headers: dict | None = None,
    **data,
):
    """POST a file to the uploads API as the actor's system would."""
    body = {"file": SimpleUploadedFile(name, content), "segment": segment, **data}
    return actor.api().post(UPLOADS_URL, body, format="multipart", **(headers or {}))


def create(actor, content: bytes, *, segment: str = "loans", **kwargs):
    return upload_create(
        supplier=actor.organization,
        segment_slug=segment,
        chunks=[content],
        original_name=kwargs.pop("name", "leads.csv"),
        **kwargs,
    )
