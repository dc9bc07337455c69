"""Evidence files: checked by size, extension and their first bytes, stored
before any row lock is taken (files are never touched while holding locks)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import ApplicationError, ValidationFailed
from marketplace.ids import new_id

# extension → (content type, accepted leading bytes; None: UTF-8 text without NULs)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": ("audio/wav", (b"RIFF",)),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
}
NOTE_MAX_CHARS = 4000


class TooLarge(ApplicationError):
    code = "too_large"
    status = 413


@dataclass(frozen=True)
class StoredFile:
    name: str
    original_name: str
    content_type: str
    size_bytes: int


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def evidence_file_check(upload: UploadedFile) -> tuple[str, str]:
    """(safe original name, content type), or a 413/422 naming the problem."""
    limit = settings.QUALITY_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise TooLarge(
            _("The evidence file is larger than %(kb)s KB.") % {"kb": limit // 1024},
            fields={"evidence_file": [_("At most %(kb)s KB.") % {"kb": limit // 1024}]},
        )
    if upload.size == 0:
        raise ValidationFailed(
            _("The evidence file is empty."), fields={"evidence_file": [_("Empty.")]}
        )
    original = os.path.basename(str(upload.name or "")).replace("\x00", "")[-150:] or "evidence"
    extension = os.path.splitext(original)[1].lower()
    allowed = ALLOWED_TYPES.get(extension)
    kinds = ", ".join(sorted(ALLOWED_TYPES))
    if allowed is None:
        raise ValidationFailed(
            _("This kind of file is not accepted as evidence."),
            fields={"evidence_file": [_("One of: %(codes)s.") % {"codes": kinds}]},
        )
    content_type, magic = allowed
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    matches = _is_text(head) if magic is None else any(head.startswith(m) for m in magic)
    if not matches:
        raise ValidationFailed(
            _("The file's content does not match its extension."),
            fields={"evidence_file": [_("Not a real %(ext)s file.") % {"ext": extension}]},
        )
    return original, content_type


def evidence_note_check(note: object) -> str:
    if note is not None and not isinstance(note, str):
        raise ValidationFailed(
            _("The evidence note is text."), fields={"evidence_note": [_("Text.")]}
        )
    text = (note or "").strip()
    if "\x00" in text:
        raise ValidationFailed(
            _("Text may not contain NUL characters."), fields={"evidence_note": [_("NUL.")]}
        )
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationFailed(
            _("The evidence note is too long."),
            fields={
                "evidence_note": [_("At most %(limit)s characters.") % {"limit": NOTE_MAX_CHARS}]
            },
        )
    return text


def evidence_file_store(upload: UploadedFile | None) -> StoredFile | None:
    """Check and store an upload under an unguessable name; None when there is none."""
    if upload is None:
        return None
    original, content_type = evidence_file_check(upload)
    extension = os.path.splitext(original)[1].lower()
    today = timezone.now()
    name = default_storage.save(f"evidence/{today:%Y/%m}/{new_id().hex}{extension}", upload)
    return StoredFile(
        name=name, original_name=original, content_type=content_type, size_bytes=upload.size
    )


def evidence_file_discard(stored: StoredFile | None) -> None:
    """Remove a stored file whose rows were not written (the transaction failed)."""
    if stored is not None:
        default_storage.delete(stored.name)
