from marketplace.models.idempotency import IdempotencyRecord
from marketplace.models.leads import (
    Lead,
    LeadSource,
    LeadStatus,
    RejectionReason,
    Suppression,
    Temperature,
)
from marketplace.models.organizations import (
    ApiKey,
    Invitation,
    MemberRole,
    Membership,
    ModerationFlag,
    Organization,
    OrganizationKind,
)
from marketplace.models.segments import Segment
from marketplace.models.users import User

__all__ = [
    "ApiKey",
    "IdempotencyRecord",
    "Invitation",
    "Lead",
    "LeadSource",
    "LeadStatus",
    "MemberRole",
    "Membership",
    "ModerationFlag",
    "Organization",
    "OrganizationKind",
    "RejectionReason",
    "Segment",
    "Suppression",
    "Temperature",
    "User",
]
