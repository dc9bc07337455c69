"""Quality's writes: returns, disputes, the supplier rating and enforcement."""

from quality.services.disputes import dispute_resolve
from quality.services.returns import (
    return_accept,
    return_contest,
    return_request,
    returns_accept_unanswered,
)

__all__ = [
    "dispute_resolve",
    "return_accept",
    "return_contest",
    "return_request",
    "returns_accept_unanswered",
]
