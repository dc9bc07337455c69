"""A sale's money: CPL charge, CPA reserve/charge/release, refund, hold release."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from billing.commission import Split, commission_percent_resolve, commission_split
from billing.models import AccountKind, Transaction, TransactionKind
from billing.services.ledger import (
    Lines,
    accounts_lock,
    check_parties,
    entry_of,
    money,
    once,
    platform_account,
    require_amount,
    require_funds,
    sale_key,
    sale_transaction,
    transaction_by_key,
    write_transaction,
)
from billing.services.posting import AccountLines, transaction_post_quick
from marketplace.errors import Conflict
from marketplace.models import Organization

# --- sales ------------------------------------------------------------------------


def _split(price_cents: int, commission_percent: int | None) -> Split:
    return commission_split(
        price_cents=price_cents, percent=commission_percent_resolve(commission_percent)
    )


@dataclass(frozen=True)
class BuyerPayment:
    """What a sale's buyer pays, and into which accounts: the terms of ``cpl_charge``
    and ``cpa_reserve``, shared with the one-statement posting (``sale_posting``)."""

    kind: str
    sale: str
    key: str
    description: str
    price: int
    credits: AccountLines

    def lines(self, buyer: Organization) -> AccountLines:
        return [((buyer.pk, AccountKind.BUYER_AVAILABLE), -self.price), *self.credits]


def _buyer_pays(*, buyer: Organization, terms: BuyerPayment) -> Transaction:
    """The buyer's wallet pays ``price`` into ``credits`` (organization accounts, or
    ``(None, kind)`` for a platform one): the two-statement posting when it can,
    else the general path (create and lock the accounts, the key, the funds)."""
    kind, key, lines = terms.kind, terms.key, terms.lines(buyer)
    quick = transaction_post_quick(
        kind=kind,
        key=key,
        description=terms.description,
        reference_type="sale",
        reference_id=terms.sale,
        lines=lines,
    )
    if quick is not None:
        return quick

    def post() -> Transaction:
        accounts = accounts_lock([account for account, _ in lines if account[0] is not None])
        if existing := transaction_by_key(key, kind):
            return existing
        wallet = accounts[(buyer.pk, AccountKind.BUYER_AVAILABLE)]
        require_funds(wallet, terms.price, what="funds in the wallet")
        return write_transaction(
            kind=kind,
            key=key,
            description=terms.description,
            reference_type="sale",
            reference_id=terms.sale,
            lines=[
                (accounts[account] if account[0] else platform_account(account[1]), amount)
                for account, amount in lines
            ],
        )

    return once(key, kind, post)


def cpl_charge_terms(
    *,
    buyer: Organization,
    supplier: Organization,
    sale_id: object,
    price_cents: int,
    commission_percent: int | None = None,
) -> BuyerPayment:
    price = require_amount(price_cents, field="price")
    split = _split(price, commission_percent)
    sale, key = sale_key(sale_id, "charge")
    check_parties(buyer, supplier)
    return BuyerPayment(
        kind=TransactionKind.CPL_CHARGE,
        sale=sale,
        key=key,
        description=f"Lead purchase, sale {sale}: {money(price)}",
        price=price,
        credits=[
            ((supplier.pk, AccountKind.SUPPLIER_PENDING), split.supplier_cents),
            ((None, AccountKind.PLATFORM_REVENUE), split.commission_cents),
        ],
    )


def cpl_charge(
    *,
    buyer: Organization,
    supplier: Organization,
    sale_id: object,
    price_cents: int,
    commission_percent: int | None = None,
) -> Transaction:
    """A pay-per-lead sale: buyer available → supplier pending + platform revenue.

    ``commission_percent`` is the segment's override (None: the platform default).
    """
    terms = cpl_charge_terms(
        buyer=buyer,
        supplier=supplier,
        sale_id=sale_id,
        price_cents=price_cents,
        commission_percent=commission_percent,
    )
    return _buyer_pays(buyer=buyer, terms=terms)


def cpa_reserve_terms(*, buyer: Organization, sale_id: object, price_cents: int) -> BuyerPayment:
    price = require_amount(price_cents, field="price")
    sale, key = sale_key(sale_id, "reserve")
    check_parties(buyer, None)
    return BuyerPayment(
        kind=TransactionKind.CPA_RESERVE,
        sale=sale,
        key=key,
        description=f"Reserved for pay-per-action sale {sale}: {money(price)}",
        price=price,
        credits=[((buyer.pk, AccountKind.BUYER_RESERVED), price)],
    )


def cpa_reserve(*, buyer: Organization, sale_id: object, price_cents: int) -> Transaction:
    """A pay-per-action sale: the price moves from available to reserved until the action."""
    terms = cpa_reserve_terms(buyer=buyer, sale_id=sale_id, price_cents=price_cents)
    return _buyer_pays(buyer=buyer, terms=terms)


def _reservation(sale: str) -> tuple[UUID, int]:
    """The buyer and the amount a CPA sale reserved."""
    reserve = sale_transaction(sale, "reserve")
    if reserve is None:
        raise Conflict(f"Sale {sale} has no pay-per-action reservation.")
    entry = entry_of(reserve, AccountKind.BUYER_RESERVED)
    return entry.account.organization_id, entry.amount_cents


def cpa_charge(
    *, supplier: Organization, sale_id: object, commission_percent: int | None = None
) -> Transaction:
    """The action was reported: the reservation → supplier pending + platform revenue."""
    sale, key = sale_key(sale_id, "charge")
    check_parties(None, supplier)
    commission_percent = commission_percent_resolve(commission_percent)

    def post() -> Transaction:
        buyer_id, price = _reservation(sale)
        accounts = accounts_lock(
            [(buyer_id, AccountKind.BUYER_RESERVED), (supplier.pk, AccountKind.SUPPLIER_PENDING)]
        )
        if existing := transaction_by_key(key, TransactionKind.CPA_CHARGE):
            return existing
        if transaction_by_key(f"sale:{sale}:reserve_release", TransactionKind.CPA_RELEASE):
            raise Conflict(f"Sale {sale}'s reservation was already released.")
        split = _split(price, commission_percent)
        return write_transaction(
            kind=TransactionKind.CPA_CHARGE,
            key=key,
            description=f"Pay-per-action charge, sale {sale}: {money(price)}",
            reference_type="sale",
            reference_id=sale,
            lines=[
                (accounts[(buyer_id, AccountKind.BUYER_RESERVED)], -price),
                (accounts[(supplier.pk, AccountKind.SUPPLIER_PENDING)], split.supplier_cents),
                (platform_account(AccountKind.PLATFORM_REVENUE), split.commission_cents),
            ],
        )

    return once(key, TransactionKind.CPA_CHARGE, post)


def cpa_release(*, sale_id: object) -> Transaction:
    """The action window closed without an action: the reservation → available."""
    sale, key = sale_key(sale_id, "reserve_release")

    def post() -> Transaction:
        buyer_id, price = _reservation(sale)
        accounts = accounts_lock(
            [(buyer_id, AccountKind.BUYER_RESERVED), (buyer_id, AccountKind.BUYER_AVAILABLE)]
        )
        if existing := transaction_by_key(key, TransactionKind.CPA_RELEASE):
            return existing
        if Transaction.objects.filter(idempotency_key=f"sale:{sale}:charge").exists():
            raise Conflict(f"Sale {sale} was already charged.")
        return write_transaction(
            kind=TransactionKind.CPA_RELEASE,
            key=key,
            description=f"Reservation released, sale {sale}: {money(price)}",
            reference_type="sale",
            reference_id=sale,
            lines=[
                (accounts[(buyer_id, AccountKind.BUYER_RESERVED)], -price),
                (accounts[(buyer_id, AccountKind.BUYER_AVAILABLE)], price),
            ],
        )

    return once(key, TransactionKind.CPA_RELEASE, post)


def sale_refund(*, sale_id: object, return_id: object = None) -> Transaction:
    """An accepted return: reverse a charged sale (CPL, or CPA after its action).

    The buyer gets the full price back in its available balance and the
    platform gives back its commission. The supplier's share is taken from its
    pending balance first (DESIGN: pending money pays returns first), then
    from its payable balance; neither goes below zero. If both together fall
    short (the supplier was already paid out), the platform absorbs the rest
    as a separate entry on platform adjustments, visible as a loss in the
    ledger, so the buyer's refund never depends on the supplier's balance.
    A sale only reserved (CPA, no action yet) is not refunded: release it.
    """
    sale, key = sale_key(sale_id, "refund")

    def post() -> Transaction:
        charge = sale_transaction(sale, "charge")
        if charge is None:
            raise Conflict(f"Sale {sale} was not charged; there is nothing to refund.")
        paid = entry_of(charge, AccountKind.BUYER_AVAILABLE, AccountKind.BUYER_RESERVED)
        earned = entry_of(charge, AccountKind.SUPPLIER_PENDING)
        commission = entry_of(charge, AccountKind.PLATFORM_REVENUE)
        buyer_id, price = paid.account.organization_id, -paid.amount_cents
        share = earned.amount_cents if earned else 0
        wanted = [(buyer_id, AccountKind.BUYER_AVAILABLE)]
        if earned:
            supplier_id = earned.account.organization_id
            wanted += [
                (supplier_id, AccountKind.SUPPLIER_PENDING),
                (supplier_id, AccountKind.SUPPLIER_PAYABLE),
            ]
        accounts = accounts_lock(wanted)
        if existing := transaction_by_key(key, TransactionKind.REFUND):
            return existing
        lines: Lines = [
            (accounts[(buyer_id, AccountKind.BUYER_AVAILABLE)], price),
            (platform_account(AccountKind.PLATFORM_REVENUE), -(price - share)),
        ]
        if commission is not None and commission.amount_cents != price - share:
            raise RuntimeError(f"Sale {sale}'s charge does not split into share and commission.")
        shortfall = share
        if earned:
            for kind in (AccountKind.SUPPLIER_PENDING, AccountKind.SUPPLIER_PAYABLE):
                account = accounts[(supplier_id, kind)]
                taken = min(shortfall, account.balance_cents)
                lines.append((account, -taken))
                shortfall -= taken
        description = f"Refund of sale {sale}: {money(price)}"
        if shortfall:
            lines.append((platform_account(AccountKind.PLATFORM_ADJUSTMENTS), -shortfall))
            description += f" ({money(shortfall)} the supplier could not cover)"
        return write_transaction(
            kind=TransactionKind.REFUND,
            key=key,
            description=description,
            reference_type="return" if return_id else "sale",
            reference_id=str(return_id) if return_id else sale,
            lines=lines,
        )

    return once(key, TransactionKind.REFUND, post)


def hold_release(*, sale_id: object) -> Transaction | None:
    """The sale's return window closed: its share moves from pending to payable.

    Returns None when there is nothing to move: the sale was refunded, its
    share was zero, or earlier refunds already took the supplier's pending
    money (then as much as is left moves, at most the share).
    """
    sale, key = sale_key(sale_id, "hold_release")

    def post() -> Transaction | None:
        charge = sale_transaction(sale, "charge")
        if charge is None:
            raise Conflict(f"Sale {sale} was not charged; there is nothing to release.")
        earned = entry_of(charge, AccountKind.SUPPLIER_PENDING)
        if earned is None:
            return None
        supplier_id = earned.account.organization_id
        accounts = accounts_lock(
            [
                (supplier_id, AccountKind.SUPPLIER_PENDING),
                (supplier_id, AccountKind.SUPPLIER_PAYABLE),
            ]
        )
        if existing := transaction_by_key(key, TransactionKind.HOLD_RELEASE):
            return existing
        if Transaction.objects.filter(idempotency_key=f"sale:{sale}:refund").exists():
            return None
        pending = accounts[(supplier_id, AccountKind.SUPPLIER_PENDING)]
        amount = min(earned.amount_cents, pending.balance_cents)
        if amount <= 0:
            return None
        return write_transaction(
            kind=TransactionKind.HOLD_RELEASE,
            key=key,
            description=f"Earnings released, sale {sale}: {money(amount)}",
            reference_type="sale",
            reference_id=sale,
            lines=[
                (pending, -amount),
                (accounts[(supplier_id, AccountKind.SUPPLIER_PAYABLE)], amount),
            ],
        )

    return once(key, TransactionKind.HOLD_RELEASE, post)
