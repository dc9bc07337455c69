"""The suppression list: people who asked not to be contacted.

Only blind indexes are stored, so the list holds no personal data; intake
rejects any lead whose phone or email index is on it.
"""

from __future__ import annotations

from django.db import transaction

from marketplace.crypto import blind_index
from marketplace.errors import ValidationFailed
from marketplace.models import Suppression
from suppliers.intake.normalization import NormalizationError, normalize_email, normalize_phone


@transaction.atomic
def suppression_add(*, kind: str, value: str, country: str = "", reason: str = "") -> Suppression:
    """Suppress a phone or email (normalized as intake does). Adding one twice is harmless."""
    value = (value or "").strip()
    try:
        if kind == Suppression.Kind.PHONE:
            country = (country or "").strip().upper()
            if not country and not value.startswith("+"):
                raise ValidationFailed(
                    "Give the country, or write the number with its +country code.",
                    fields={"country": ["Required for a number without +country code."]},
                )
            normalized = normalize_phone(value, country=country or "ZZ")
        elif kind == Suppression.Kind.EMAIL:
            normalized = normalize_email(value)
        else:
            raise ValidationFailed("Unknown kind.", fields={"kind": ["Must be phone or email."]})
    except NormalizationError as exc:
        raise ValidationFailed(f"{kind}: {exc}", fields={"value": [str(exc)]}) from None
    suppression, _created = Suppression.objects.get_or_create(
        blind_index=blind_index(kind, normalized), defaults={"kind": kind, "reason": reason[:200]}
    )
    return suppression
