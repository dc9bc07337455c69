from billing.models.ledger import Account, AccountKind, Entry, Transaction, TransactionKind
from billing.models.payouts import *  # noqa: F403
from billing.models.stripe import *  # noqa: F403

__all__ = ["Account", "AccountKind", "Entry", "Transaction", "TransactionKind"]
