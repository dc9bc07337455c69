from __future__ import annotations

import uuid

from django.db.models import QuerySet

from marketplace.errors import NotFound
from marketplace.models import Organization
from suppliers.uploads.models import Upload, UploadRowError


def supplier_uploads(*, supplier: Organization) -> QuerySet[Upload]:
    return Upload.objects.filter(supplier=supplier).select_related("segment")


def supplier_upload(*, supplier: Organization, upload_id: object) -> Upload:
    """The supplier's own upload, or NotFound (another supplier's is not found either)."""
    try:
        key = uuid.UUID(str(upload_id))
    except ValueError:
        raise NotFound("No such upload.") from None
    upload = supplier_uploads(supplier=supplier).filter(pk=key).first()
    if upload is None:
        raise NotFound("No such upload.")
    return upload


def upload_row_errors(*, upload: Upload) -> QuerySet[UploadRowError]:
    return UploadRowError.objects.filter(upload=upload).order_by("row_number")
