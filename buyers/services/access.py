"""The personal-data access log: every reveal of a bought lead is a row."""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.models import ApiKey, Organization, PersonalDataAccess, Sale


def personal_data_access_rows(
    *,
    buyer: Organization,
    sales: Iterable[Sale],
    channel: str,
    user=None,
    api_key: ApiKey | None = None,
) -> list[PersonalDataAccess]:
    """The access-log rows of showing ``buyer`` these sales' leads, not yet stored
    (a purchase inserts its row in the same statement as the sale)."""
    return [
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


def personal_data_reveal(
    *,
    buyer: Organization,
    sales: Iterable[Sale],
    channel: str,
    user=None,
    api_key: ApiKey | None = None,
) -> int:
    """Log that ``buyer`` is shown the personal data of these sales' leads (one insert)."""
    rows = personal_data_access_rows(
        buyer=buyer, sales=sales, channel=channel, user=user, api_key=api_key
    )
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)
