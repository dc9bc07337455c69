"""Where uploaded files live: ``UPLOADS_DIR``, under random names."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from suppliers.uploads.errors import UploadTooLarge


def uploads_dir() -> Path:
    folder = Path(settings.UPLOADS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(stored_name: str) -> Path:
    return uploads_dir() / stored_name


def store_chunks(chunks: Iterable[bytes], *, max_bytes: int) -> tuple[str, Path, int]:
    """Write the file under a new random name; refuse (and remove it) past ``max_bytes``."""
    stored_name = secrets.token_hex(16)
    path = stored_path(stored_name)
    size = 0
    try:
        with path.open("xb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(too_large_message(max_bytes))
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return stored_name, path, size


def too_large_message(max_bytes: int) -> str:
    return gettext("The file is larger than %(limit)s MB; split it into several.") % {
        "limit": max_bytes // (1024 * 1024)
    }


def discard(stored_name: str) -> None:
    if stored_name:
        stored_path(stored_name).unlink(missing_ok=True)
