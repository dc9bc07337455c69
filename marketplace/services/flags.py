"""Moderation flags: anything about an organization a moderator must look at."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.errors import Conflict
from marketplace.models import ModerationFlag, Organization, User


def flag_raise(
    *,
    organization: Organization,
    code: str,
    message: str,
    reference_type: str = "",
    reference_id: str = "",
) -> ModerationFlag:
    """Raise a flag, or return the open one for the same cause (safe to retry)."""
    cause = {
        "organization": organization,
        "code": code,
        "reference_type": reference_type,
        "reference_id": str(reference_id),
    }
    try:
        with transaction.atomic():
            return ModerationFlag.objects.create(**cause, message=message)
    except IntegrityError:
        return ModerationFlag.objects.get(**cause, resolved_at__isnull=True)


@transaction.atomic
def flag_resolve(*, flag: ModerationFlag, moderator: User, note: str) -> ModerationFlag:
    updated = ModerationFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(),
        resolved_by=moderator,
        resolution_note=(note or "").strip()[:2000],
    )
    if not updated:
        raise Conflict("This flag is already resolved.")
    flag.refresh_from_db()
    return flag
