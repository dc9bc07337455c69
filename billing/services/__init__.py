"""Every movement of money. Nothing outside ``billing`` writes ledger rows.

Each service:
- owns its database transaction (a savepoint when the caller already has one,
  e.g. a sale recorded in the same transaction as its charge). A CPL charge or a
  CPA reserve on accounts already seen takes no savepoint: ``posting`` posts it in
  two statements that write nothing when they refuse, and otherwise hands over to
  the general path below;
- locks the organization accounts it reads or writes with ``select_for_update``
  in one order (by primary key, in ``ledger.accounts_lock``), so two services can't
  deadlock and a wallet can't be spent twice. Platform accounts are never
  locked: they have no cached balance and are only appended to;
- is idempotent by key: it takes the locks first, then looks the key up, so a
  retry that waited on the first call's locks sees its committed transaction
  and returns it, posting nothing. The unique constraint on the key is the
  backstop for callers that race with different account sets;
- raises ``InsufficientFunds`` (402) when a wallet can't pay. Organization
  balances never go below zero: the check runs under the lock, the balance
  update is conditional (``balance >= amount``) and a CHECK constraint refuses
  a negative balance whatever writes it.

Idempotency keys: ``sale:<id>:charge`` (CPL and CPA alike, so a sale is charged
once whichever way), ``sale:<id>:reserve``, ``sale:<id>:reserve_release``,
``sale:<id>:refund``, ``sale:<id>:hold_release``; top-ups, payouts and
adjustments take the caller's key (``topup:<id>`` or ``stripe:<event id>``,
``payout:<id>``, ``adjustment:<uuid>``).

``earnings_hold_freeze`` / ``earnings_hold_unfreeze`` move no money: they keep a
sale's share in pending while a return is open (``freezes``).
"""

from billing.services.freezes import earnings_hold_freeze, earnings_hold_unfreeze
from billing.services.sales import (
    cpa_charge,
    cpa_release,
    cpa_reserve,
    cpl_charge,
    hold_release,
    sale_refund,
)
from billing.services.wallets import adjustment_post, payout_post, topup_credit

__all__ = [
    "adjustment_post",
    "cpa_charge",
    "cpa_release",
    "cpa_reserve",
    "cpl_charge",
    "earnings_hold_freeze",
    "earnings_hold_unfreeze",
    "hold_release",
    "payout_post",
    "sale_refund",
    "topup_credit",
]
