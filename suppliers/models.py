from suppliers.uploads.models import (
    ColumnMemory,
    Upload,
    UploadEvent,
    UploadFormat,
    UploadRowError,
    UploadRowKind,
    UploadStatus,
)

__all__ = [
    "ColumnMemory",
    "Upload",
    "UploadEvent",
    "UploadFormat",
    "UploadRowError",
    "UploadRowKind",
    "UploadStatus",
]
