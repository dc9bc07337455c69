"""Buyers' writes: purchases, actions, outcomes and the personal-data access log."""

from buyers.services.access import personal_data_reveal
from buyers.services.actions import purchase_action_report, purchase_actions_expire
from buyers.services.outcomes import purchase_outcome_set
from buyers.services.purchases import purchase_create

__all__ = [
    "personal_data_reveal",
    "purchase_action_report",
    "purchase_actions_expire",
    "purchase_create",
    "purchase_outcome_set",
]
