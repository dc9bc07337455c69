"""Buying a lead: one conditional UPDATE of the lead in the same transaction as the
sale, its event and its ledger charge (CPL) or reserve (CPA)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services import cpa_reserve, cpl_charge
from billing.services.holds import earnings_hold_schedule
from buyers.ids import as_uuid
from buyers.services.locks import lock_buyer_person
from buyers.services.purchase_quick import purchase_quick
from buyers.services.purchase_rows import Caller, purchase_rows
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.models import (
    ApiKey,
    BillingModel,
    Lead,
    LeadStatus,
    Organization,
    Sale,
)
from marketplace.pricing import lead_listed_price
from marketplace.selectors.catalog import freshness_cutoff
from marketplace.sql import rows_insert


class AlreadyPurchased(Conflict):
    code = "already_purchased"


class SoldOut(Conflict):
    code = "sold_out"


class DuplicatePerson(Conflict):
    code = "duplicate"


def _billing_model(value: object) -> str:
    if not isinstance(value, str) or value not in BillingModel.values:
        raise ValidationFailed(
            _("billing_model must be “cpl” or “cpa”."),
            fields={"billing_model": [_("Must be one of: cpl, cpa.")]},
        )
    return value


def _lead_for_sale(*, lead_id: object) -> Lead:
    pk = as_uuid(lead_id)
    try:
        # get(): no ORDER BY to compile or run for one row by its key
        lead = Lead.objects.select_related("segment", "supplier").get(pk=pk) if pk else None
    except Lead.DoesNotExist:
        lead = None
    # Leads that never reached the catalog are not there for buyers at all.
    if lead is None or lead.status in (LeadStatus.REJECTED, LeadStatus.HELD):
        raise NotFound(_("No such lead."))
    return lead


# Bought this lead (ever), or this person in this segment since the dedup window
# opened; the person part is left out for a lead with neither blind index. Written
# out rather than built with Q objects: building and compiling the ORM query cost
# more CPU than the rest of the purchase's Python together.
_BOUGHT_SQL = """
SELECT lead_id FROM marketplace_sale
WHERE buyer_id = %s AND (lead_id = %s{person})
"""
_PERSON_SQL = " OR (segment_id = %s AND purchased_at >= %s AND ({indexes}))"


def _refuse_person_bought_before(*, buyer: Organization, lead: Lead, now: datetime) -> None:
    """One look-up for both rules: this lead bought before (ever), or this person in
    this segment within the dedup window (runs under the buyer-person lock)."""
    uuid = Sale._meta.pk
    params: list = [uuid.get_db_prep_value(buyer.pk, connection)]
    params.append(uuid.get_db_prep_value(lead.pk, connection))
    indexes = {"phone_index": lead.phone_index, "email_index": lead.email_index}
    indexes = {column: value for column, value in indexes.items() if value}
    person = ""
    if indexes:
        since = now - timedelta(days=lead.segment.dedup_window_days)
        person = _PERSON_SQL.format(indexes=" OR ".join(f"{c} = %s" for c in indexes))
        params += [lead.segment_id, connection.ops.adapt_datetimefield_value(since)]
        params += list(indexes.values())
    with connection.cursor() as cursor:
        cursor.execute(_BOUGHT_SQL.format(person=person), params)
        bought = {as_uuid(str(lead_id)) for (lead_id,) in cursor.fetchall()}
    if lead.pk in bought:
        raise AlreadyPurchased(_("You already bought this lead."))
    if bought:
        raise DuplicatePerson(
            _("You bought this person in this segment within the last %(days)d days.")
            % {"days": lead.segment.dedup_window_days}
        )


# The one conditional UPDATE: a sale is counted only while the lead is on sale and its
# supplier is not suspended. RETURNING gives the new count and status (another buyer's
# sale may have moved them since the lead was read), so nothing is read again.
_CLAIM_SQL = """
UPDATE marketplace_lead
SET sales_count = sales_count + 1,
    status = CASE WHEN sales_count + 1 >= max_sales THEN %s ELSE status END
WHERE id = %s AND status = %s AND sales_count < max_sales AND created_at >= %s
    AND EXISTS (
        SELECT 1 FROM marketplace_organization supplier
        WHERE supplier.id = marketplace_lead.supplier_id AND supplier.suspended_at IS NULL
    )
RETURNING status, sales_count
"""


def _claim_one_sale(*, lead: Lead, now: datetime) -> None:
    """Count this sale on the lead (one statement), or say why it is not on sale.

    A lead older than its segment's freshness limit is not on sale, even before the
    expiry task marks it (the catalog hides it already)."""
    lead_id = Lead._meta.pk.get_db_prep_value(lead.pk, connection)
    fresh_since = freshness_cutoff(lead.segment, now)
    params = [LeadStatus.SOLD_OUT, lead_id, LeadStatus.AVAILABLE]
    params.append(connection.ops.adapt_datetimefield_value(fresh_since))
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, params)
        claimed = cursor.fetchone()
    if claimed:
        lead.status, lead.sales_count = claimed
        return
    current = Lead.objects.select_related("supplier").get(pk=lead.pk)
    if current.status == LeadStatus.SOLD_OUT or current.sales_count >= current.max_sales:
        raise SoldOut(_("This lead is sold out."))
    if current.created_at < fresh_since:
        raise Conflict(
            _("This lead is no longer offered (older than %(days)d days).")
            % {"days": lead.segment.freshness_days}
        )
    if current.supplier.is_suspended:
        raise Conflict(_("This lead's supplier is suspended; its leads are not on sale."))
    raise Conflict(_("This lead is no longer on sale."))


def purchase_create(
    *,
    buyer: Organization,
    lead_id: object,
    billing_model: object,
    user=None,
    api_key: ApiKey | None = None,
    reveal: str | None = None,
    now: datetime | None = None,
) -> Sale:
    """Buy ``lead_id`` for ``buyer``: CPL charges the listed price, CPA reserves it.

    ``reveal`` (an ``AccessChannel``) logs that the caller shows the lead's
    personal data in its answer. Any refusal leaves nothing behind: the lead's
    count, the sale and the ledger rows are one transaction (on PostgreSQL one
    statement, ``purchase_quick``; the general path below when it can't).
    """
    model = _billing_model(billing_model)
    if not buyer.is_buyer:
        raise Forbidden(_("Only a buyer organization can buy leads."))
    caller = Caller(now=now or timezone.now(), user=user, api_key=api_key, reveal=reveal)
    quick = purchase_quick(buyer=buyer, lead_id=lead_id, model=model, caller=caller)
    if quick is not None:
        return quick
    return _purchase_general(buyer=buyer, lead_id=lead_id, model=model, caller=caller)


@transaction.atomic
def _purchase_general(
    *,
    buyer: Organization,
    lead_id: object,
    model: str,
    caller: Caller,
) -> Sale:
    """Every check and error in Python and about ten statements (SQLite too)."""
    lead = _lead_for_sale(lead_id=lead_id)
    if lead.supplier_id == buyer.pk:
        raise Forbidden(_("You cannot buy your own organization's lead."))
    segment, now = lead.segment, caller.now
    listed = lead_listed_price(lead=lead, segment=segment, now=now)
    if model == BillingModel.CPA and listed.cpa_price_cents is None:
        raise ValidationFailed(
            _("This lead is not offered pay-per-action."),
            fields={"billing_model": [_("Pay-per-action is not offered for this lead.")]},
        )

    lock_buyer_person(
        buyer_id=buyer.pk,
        segment_id=segment.pk,
        lead_id=lead.pk,
        indexes=[lead.phone_index, lead.email_index],
    )
    _refuse_person_bought_before(buyer=buyer, lead=lead, now=now)
    _claim_one_sale(lead=lead, now=now)

    rows = purchase_rows(buyer=buyer, lead=lead, model=model, listed=listed, caller=caller)
    sale, price = rows.sale, rows.sale.price_cents
    rows_insert(sale, rows.event(), *rows.reveals)  # one statement
    if price > 0:
        if model == BillingModel.CPL:
            charge = cpl_charge(
                buyer=buyer,
                supplier=lead.supplier,
                sale_id=sale.pk,
                price_cents=price,
                commission_percent=sale.commission_percent,
            )
            earnings_hold_schedule(
                sale_id=sale.pk,
                supplier=lead.supplier,
                release_at=sale.return_deadline,
                charge=charge,
            )
        else:
            cpa_reserve(buyer=buyer, sale_id=sale.pk, price_cents=price)
    return sale
