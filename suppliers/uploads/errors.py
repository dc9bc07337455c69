"""Why a file cannot be taken: the API renders these in its error envelope."""

from __future__ import annotations

from marketplace.errors import ApplicationError


class UploadTooLarge(ApplicationError):
    code = "too_large"
    status = 413


class UploadFileError(ApplicationError):
    """The file itself is unusable (not CSV/XLSX, empty, broken, no required column)."""

    code = "validation_failed"
    status = 422

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(message, fields={field: [message]})
