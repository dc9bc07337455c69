"""API keys: created once, shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import Conflict, Forbidden, ValidationFailed
from marketplace.models import ApiKey, Organization, User
from marketplace.selectors.api_keys import active_api_key

KEY_PREFIX = "lmk_"
# last_used_at is informative; writing it on every request would cost a row
# update per call, so it is refreshed at most once a minute.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _issue(
    *, name: str, organization: Organization | None, moderator: User | None, created_by: User | None
) -> IssuedApiKey:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Give the key a name."), fields={"name": [_("This field is required.")]}
        )
    if len(name) > 100:
        raise ValidationFailed(
            _("The name is too long."), fields={"name": [_("At most 100 characters.")]}
        )
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        organization=organization,
        moderator=moderator,
        name=name,
        prefix=raw_key[: len(KEY_PREFIX) + 6],
        key_hash=hash_api_key(raw_key),
        created_by=created_by,
    )
    return IssuedApiKey(api_key=api_key, raw_key=raw_key)


@transaction.atomic
def api_key_create(
    *, organization: Organization, name: str, created_by: User | None
) -> IssuedApiKey:
    return _issue(name=name, organization=organization, moderator=None, created_by=created_by)


@transaction.atomic
def api_key_create_for_moderator(*, moderator: User, name: str) -> IssuedApiKey:
    if not moderator.is_moderator:
        raise Forbidden(_("Only moderators (active staff users) can have personal API keys."))
    return _issue(name=name, organization=None, moderator=moderator, created_by=moderator)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This key is already revoked."))
    api_key.refresh_from_db()
    return api_key


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None
    api_key = active_api_key(key_hash=hash_api_key(raw_key))
    if api_key is None:
        return None
    if api_key.moderator_id is not None and not api_key.moderator.is_moderator:
        return None  # a former moderator's key dies with the role
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
