from quality.models.optout import OptOutRequest, OptOutStatus
from quality.models.rating import RatingHistory, RatingRun, SupplierRating
from quality.models.returns import (
    OPEN_RETURN_STATUSES,
    REVERSED_RETURN_STATUSES,
    DecidedBy,
    Dispute,
    DisputeCause,
    DisputeDecision,
    DisputeStatus,
    Evidence,
    EvidenceParty,
    Return,
    ReturnEvent,
    ReturnStatus,
)
from quality.models.standing import StandingChange, StandingEvent, SupplierStanding

__all__ = [
    "OPEN_RETURN_STATUSES",
    "REVERSED_RETURN_STATUSES",
    "DecidedBy",
    "Dispute",
    "DisputeCause",
    "DisputeDecision",
    "DisputeStatus",
    "Evidence",
    "EvidenceParty",
    "OptOutRequest",
    "OptOutStatus",
    "RatingHistory",
    "RatingRun",
    "Return",
    "ReturnEvent",
    "ReturnStatus",
    "StandingChange",
    "StandingEvent",
    "SupplierRating",
    "SupplierStanding",
]
