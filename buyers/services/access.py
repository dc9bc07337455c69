"""The personal-data access log: every reveal of a bought lead is a row."""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.models import ApiKey, Organization, PersonalDataAccess, Sale


def personal_data_reveal(
    *,
    buyer: Organization,
    sales: Iterable[Sale],
    channel: str,
    user=None,
    api_key: ApiKey | None = None,
) -> int:
    """Log that ``buyer`` is shown the personal data of these sales' leads (one insert)."""
    rows = [
        PersonalDataAccess(
            lead_id=sale.lead_id,
            sale=sale,
            organization=buyer,
            user=user,
            api_key=api_key,
            channel=channel,
        )
        for sale in sales
    ]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)
