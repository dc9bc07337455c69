"""Domain errors. Services raise these; the API turns them into its envelope."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule refused the operation. ``code`` is machine-readable."""

    code = "bad_request"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    code = "validation_failed"
    status = 422


class Rejected(ApplicationError):
    code = "rejected"
    status = 422


class Conflict(ApplicationError):
    code = "invalid_state"
    status = 409


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Forbidden(ApplicationError):
    code = "forbidden"
    status = 403


class InsufficientFunds(ApplicationError):
    code = "insufficient_funds"
    status = 402
