"""``Idempotency-Key`` bookkeeping: claim a key, then record its first answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
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


# Keys of a stored answer that hold a person's data (a purchased lead's, nested or not).
PERSONAL_KEYS = frozenset(
    {"first_name", "last_name", "phone", "email", "city", "postal_code", "ip", "consent_ip"}
)


def _scrubbed(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: ("" if key in PERSONAL_KEYS and value[key] else _scrubbed(value[key]))
            for key in value
        }
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    return value


def idempotency_answers_scrub(*, ids: Iterable[object]) -> int:
    """Stored answers to requests about any of ``ids`` (a lead bought, a sale reported
    on: named in the request's path, with or without dashes) keep their shape with the
    personal data blanked, so a replay still answers, without the person. How many
    were changed."""
    variants = {form for value in ids for form in (str(value), str(value).replace("-", ""))}
    if not variants:
        return 0
    by_path = Q()
    for value in variants:
        by_path |= Q(path__icontains=value)
    changed = 0
    records = IdempotencyRecord.objects.filter(by_path, status_code__isnull=False)
    for record in records.only("pk", "response_body", "content_type"):
        try:
            body = json.loads(bytes(record.response_body or b""))
        except ValueError:
            continue
        scrubbed = _scrubbed(body)
        if scrubbed != body:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                response_body=json.dumps(scrubbed, separators=(",", ":")).encode()
            )
            changed += 1
    return changed
