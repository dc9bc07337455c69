from marketplace.models.idempotency import IdempotencyRecord
from marketplace.models.leads import (
    Lead,
    LeadEvent,
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
from marketplace.models.sales import (
    AccessChannel,
    BillingModel,
    Outcome,
    PersonalDataAccess,
    Sale,
    SaleEvent,
    SaleStatus,
)
from marketplace.models.segments import Segment
from marketplace.models.users import User

__all__ = [
    "AccessChannel",
    "ApiKey",
    "BillingModel",
    "IdempotencyRecord",
    "Invitation",
    "Lead",
    "LeadEvent",
    "LeadSource",
    "LeadStatus",
    "MemberRole",
    "Membership",
    "ModerationFlag",
    "Organization",
    "OrganizationKind",
    "Outcome",
    "PersonalDataAccess",
    "RejectionReason",
    "Sale",
    "SaleEvent",
    "SaleStatus",
    "Segment",
    "Suppression",
    "Temperature",
    "User",
]
