"""The purchase in one SQL function call (``purchase_quick``) against the general path:
the same rows for the same purchase, and every unusual case handed to the general
path, which answers with its own error and message, nothing written before it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import Entry, Transaction
from billing.models.payouts import EarningsHold
from buyers.services import purchase_create, purchases
from buyers.services.purchase_rows import Caller
from marketplace.errors import (
    ApplicationError,
    Conflict,
    Forbidden,
    InsufficientFunds,
    NotFound,
    ValidationFailed,
)
from marketplace.models import (
    AccessChannel,
    ApiKey,
    LeadStatus,
    OrganizationKind,
    PersonalDataAccess,
    Sale,
    SaleEvent,
)
from marketplace.sql import model_row_values, row_values
from tests.buyers.helpers import assert_ledger_balanced, balances, fund, make_lead
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _fields(obj, *, skip: tuple[str, ...] = ()) -> dict:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in ("id", *skip)
    }


def _named(value: object, names: dict[str, str]) -> object:
    """``value`` with the scenario's own ids replaced by their role."""
    if isinstance(value, dict):
        return {key: _named(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_named(item, names) for item in value)
    text = str(value) if isinstance(value, uuid.UUID) else value
    if isinstance(text, str):
        for raw, role in names.items():
            text = text.replace(raw, role)
        return text
    return value


def _rows_written(sale: Sale, names: dict[str, str]) -> dict:
    """Every row the purchase wrote, ids by role. The ledger's and access log's own
    ``created_at`` are the time each row was built, so they are left out."""
    names = {str(sale.pk): "<sale>", **names}
    ledger = Transaction.objects.get(reference_type="sale", reference_id=str(sale.pk))
    entries = Entry.objects.filter(transaction=ledger).select_related("account")
    holds = EarningsHold.objects.filter(sale_id=str(sale.pk))
    rows = {
        "sale": _fields(Sale.objects.get(pk=sale.pk)),
        "events": [
            _fields(event, skip=("sale_id",)) for event in SaleEvent.objects.filter(sale=sale)
        ],
        "access": [
            _fields(row, skip=("created_at",))
            for row in PersonalDataAccess.objects.filter(sale=sale)
        ],
        "transaction": _fields(ledger, skip=("created_at",)),
        "entries": sorted(
            (
                str(entry.account.organization_id),
                entry.account.kind,
                entry.amount_cents,
                entry.balance_after_cents,
            )
            for entry in entries
        ),
        "entry_times_are_the_transactions": {
            entry.created_at == ledger.created_at for entry in entries
        },
        "holds": [_fields(hold, skip=("created_at",)) for hold in holds],
    }
    return _named(rows, names)


def _party(buyer_actor, supplier_actor, *, model: str, lead_at):
    """A funded buyer that bought once (its and its supplier's accounts exist then),
    and the lead whose purchase is compared."""
    buyer, supplier = buyer_actor.organization, supplier_actor.organization
    fund(buyer, 500_00)
    purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model=model)
    lead = make_lead(supplier, price_cents=12_50, max_sales=2, created_at=lead_at)
    return buyer, supplier, lead


@pytest.mark.parametrize("model", ["cpl", "cpa"])
def test_the_one_statement_purchase_writes_the_rows_the_general_path_writes(
    buyer_a, supplier_a, buyer_b, supplier_b, general_path, model
):
    # given: two parties in the same situation, one lead each, at the same moment
    now = timezone.now()
    lead_at = now - timedelta(hours=2)
    quick = _party(buyer_a, supplier_a, model=model, lead_at=lead_at)
    general = _party(buyer_b, supplier_b, model=model, lead_at=lead_at)
    written = {}
    for (buyer, supplier, lead), actor, take_general in (
        (quick, buyer_a, False),
        (general, buyer_b, True),
    ):
        key = ApiKey.objects.get(organization=buyer)
        caller = Caller(now=now, user=actor.user, api_key=key, reveal=AccessChannel.API)
        # when
        if take_general:
            sale = purchases._purchase_general(
                buyer=buyer, lead_id=lead.pk, model=model, caller=caller
            )
        else:
            sale = purchase_create(
                buyer=buyer,
                lead_id=lead.pk,
                billing_model=model,
                user=actor.user,
                api_key=key,
                reveal=AccessChannel.API,
                now=now,
            )
        names = {
            str(buyer.pk): "<buyer>",
            str(supplier.pk): "<supplier>",
            str(lead.pk): "<lead>",
            str(actor.user.pk): "<user>",
            str(key.pk): "<api key>",
            lead.phone_index: "<phone>",
            lead.email_index: "<email>",
            lead.phone_key: "<phone key>",
            lead.email_key: "<email key>",
        }
        written[take_general] = (
            _rows_written(sale, names),
            balances(buyer),
            balances(supplier),
            (sale.lead.status, sale.lead.sales_count),
        )

    # then: the purchase by the SQL function took no general path and wrote the same
    assert str(quick[2].pk) not in general_path.calls
    assert written[False] == written[True]
    assert written[False][3] == (LeadStatus.AVAILABLE, 1)
    assert_ledger_balanced()


# --- every unusual case: the general path answers, nothing written before it ---------


def _nothing_sold(buyer, lead, wallet: dict) -> None:
    assert not Sale.objects.filter(buyer=buyer, lead=lead).exists()
    lead.refresh_from_db()
    assert lead.sales_count == 0 or lead.status != LeadStatus.AVAILABLE
    assert balances(buyer) == wallet


def _refused(buyer, lead_id, general_path, error: type[ApplicationError], model: str = "cpl"):
    with pytest.raises(error) as refused:
        purchase_create(buyer=buyer, lead_id=lead_id, billing_model=model)
    assert general_path.calls[-1] == str(lead_id)
    return refused.value


@pytest.mark.parametrize("lead_id", [uuid.UUID(int=7), "not-a-uuid", "", "' OR 1=1 --"])
def test_no_such_lead_is_answered_by_the_general_path(buyer, trading, general_path, lead_id):
    error = _refused(buyer, lead_id, general_path, NotFound)
    assert error.message == "No such lead."


@pytest.mark.parametrize("status", [LeadStatus.HELD, LeadStatus.REJECTED])
def test_a_lead_never_on_sale_is_not_found(buyer, supplier, trading, general_path, status):
    lead = make_lead(supplier, status=status)
    assert _refused(buyer, lead.pk, general_path, NotFound).message == "No such lead."


def test_an_organizations_own_lead_is_refused(general_path):
    both = OrganizationFactory(kind=OrganizationKind.BOTH)
    fund(both, 100_00)
    lead = make_lead(both)
    error = _refused(both, lead.pk, general_path, Forbidden)
    assert error.message == "You cannot buy your own organization's lead."


def test_pay_per_action_not_offered(buyer, supplier, trading, general_path):
    lead = make_lead(supplier, cpa_price_cents=None)
    error = _refused(buyer, lead.pk, general_path, ValidationFailed, model="cpa")
    assert error.message == "This lead is not offered pay-per-action."
    _nothing_sold(buyer, lead, trading)


def test_a_lead_bought_before_is_already_purchased(buyer, supplier, trading, general_path):
    lead = make_lead(supplier, max_sales=3)
    purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")
    wallet = balances(buyer)

    error = _refused(buyer, lead.pk, general_path, purchases.AlreadyPurchased)

    assert error.message == "You already bought this lead."
    assert balances(buyer) == wallet
    lead.refresh_from_db()
    assert lead.sales_count == 1


@pytest.mark.parametrize("same", [{"phone": "+48601555001"}, {"email": "same@example.pl"}])
def test_the_same_person_again_is_a_duplicate(buyer, supplier, trading, general_path, same):
    purchase_create(buyer=buyer, lead_id=make_lead(supplier, **same).pk, billing_model="cpl")
    wallet = balances(buyer)
    again = make_lead(supplier, **same)

    error = _refused(buyer, again.pk, general_path, purchases.DuplicatePerson)

    assert error.code == "duplicate"
    _nothing_sold(buyer, again, wallet)


def test_a_sold_out_lead(buyer, buyer_b, supplier, trading, general_path):
    lead = make_lead(supplier)
    fund(buyer_b.organization, 100_00)
    purchase_create(buyer=buyer_b.organization, lead_id=lead.pk, billing_model="cpl")

    error = _refused(buyer, lead.pk, general_path, purchases.SoldOut)

    assert error.message == "This lead is sold out."
    assert balances(buyer) == trading


def test_a_lead_past_its_freshness_limit(buyer, supplier, trading, general_path):
    lead = make_lead(supplier)
    days = lead.segment.freshness_days
    lead.created_at = timezone.now() - timedelta(days=days + 1)
    lead.save(update_fields=["created_at"])

    error = _refused(buyer, lead.pk, general_path, Conflict)

    assert error.message == f"This lead is no longer offered (older than {days} days)."
    _nothing_sold(buyer, lead, trading)


def test_a_suspended_suppliers_lead(buyer, supplier, trading, general_path):
    lead = make_lead(supplier)
    supplier.suspended_at = timezone.now()
    supplier.save(update_fields=["suspended_at"])

    error = _refused(buyer, lead.pk, general_path, Conflict)

    assert error.message == "This lead's supplier is suspended; its leads are not on sale."
    _nothing_sold(buyer, lead, trading)


def test_not_enough_funds_leaves_the_lead_and_the_wallet_as_they_were(
    buyer, supplier, trading, general_path
):
    lead = make_lead(supplier, price_cents=trading["available"] + 1)

    error = _refused(buyer, lead.pk, general_path, InsufficientFunds)

    assert error.code == "insufficient_funds"
    _nothing_sold(buyer, lead, trading)
    lead.refresh_from_db()
    assert (lead.sales_count, lead.status) == (0, LeadStatus.AVAILABLE)
    # and the caller's transaction goes on: the refusal aborted nothing
    assert Sale.objects.filter(buyer=buyer).count() == 1


def test_the_first_sale_of_a_supplier_opens_its_account_through_the_general_path(
    buyer, supplier, general_path
):
    fund(buyer, 100_00)
    lead = make_lead(supplier)

    sale = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")

    assert general_path.sales == [sale.pk]  # the SQL function found no pending account
    second = purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")
    assert second.pk not in general_path.sales  # the accounts exist now
    assert balances(supplier)["pending"] == 2 * 10_00
    assert_ledger_balanced()


def test_a_buy_within_the_callers_transaction_after_a_refusal_still_works(
    buyer, supplier, trading, general_path
):
    costly = make_lead(supplier, price_cents=trading["available"] + 1)
    with pytest.raises(InsufficientFunds):
        purchase_create(buyer=buyer, lead_id=costly.pk, billing_model="cpl")

    sale = purchase_create(buyer=buyer, lead_id=make_lead(supplier).pk, billing_model="cpl")

    assert sale.pk not in general_path.sales
    assert balances(buyer)["available"] == trading["available"] - 12_50


def test_without_postgresql_the_general_path_buys(
    buyer, supplier, trading, general_path, monkeypatch
):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    lead = make_lead(supplier)

    sale = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")

    assert general_path.sales == [sale.pk]
    monkeypatch.undo()
    assert balances(buyer)["available"] == trading["available"] - 12_50
    assert_ledger_balanced()


# --- the column values the quick path builds without model instances ------------------


def test_model_row_values_are_the_instances_row_values(buyer, supplier):
    # given: each model the quick path writes from field values, every kind of field
    # given (by name, by attname, a related instance) and the rest left to defaults
    now = timezone.now()
    cases = [
        (
            Transaction,
            {"kind": "charge", "idempotency_key": "k", "description": "d", "reference_id": "s"},
        ),
        (
            EarningsHold,
            {"sale_id": "s", "supplier": supplier, "amount_cents": 800, "release_at": now},
        ),
        (
            SaleEvent,
            {"sale_id": uuid.uuid4(), "kind": "purchased", "data": {"a": 1}, "actor": None},
        ),
    ]
    for model, values in cases:
        values = {"id": uuid.uuid4(), "created_at": now, **values}
        # when
        built = model_row_values(model, **values)
        # then: what row_values gives for the instance, every column
        assert built == row_values(model(**values))
        assert set(built) == {f.column for f in model._meta.concrete_fields}
    assert model_row_values(EarningsHold, supplier=supplier)["supplier_id"] == str(supplier.pk)
    assert model_row_values(Transaction)["reference_type"] == ""


def test_model_row_values_refuses_a_field_the_model_does_not_have():
    with pytest.raises(TypeError, match="no_such_field"):
        model_row_values(Transaction, kind="charge", no_such_field=1)
