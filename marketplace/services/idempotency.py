"""``Idempotency-Key`` bookkeeping: claim a key, then record its first answer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.errors import ApplicationError, Conflict, ValidationFailed
from marketplace.models import IdempotencyRecord

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes
    content_type: str


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _validate_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApplicationError(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            code="malformed_request",
        )


def idempotency_claim(
    *, scope: str, key: str, method: str, path: str, body: bytes
) -> IdempotencyRecord | StoredResponse:
    """Claim ``key`` for this request, or return the answer already given.

    Raises Conflict while the first request with the key is still running,
    and a 422 when the key was used for a different request.
    """
    _validate_key(key)
    fingerprint = request_fingerprint(method=method, path=path, body=body)
    expiry = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    scope=scope, key=key, method=method, path=path[:500], body_hash=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is None:
                continue  # deleted between our insert and read: try again
            if existing.created_at < expiry:
                IdempotencyRecord.objects.filter(pk=existing.pk).delete()
                continue
            if existing.body_hash != fingerprint:
                raise ValidationFailed(
                    "This Idempotency-Key was already used for a different request.",
                    code="idempotency_key_reused",
                ) from None
            if existing.status_code is None:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed; retry shortly.",
                    code="request_in_progress",
                ) from None
            return StoredResponse(
                status_code=existing.status_code,
                body=bytes(existing.response_body or b""),
                content_type=existing.content_type,
            )
    raise Conflict("Could not claim the Idempotency-Key; retry.", code="request_in_progress")


def idempotency_complete(
    *, record: IdempotencyRecord, status_code: int, body: bytes, content_type: str
) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status_code, response_body=body, content_type=content_type
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget a claim whose request failed on our side, so a retry can run."""
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def idempotency_purge_expired() -> int:
    expiry = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=expiry).delete()
    return deleted
