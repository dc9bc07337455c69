"""Only leads this buyer can buy are listed (and counted)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import OrganizationKind, Segment
from tests.factories import OrganizationFactory, SaleFactory
from tests.marketplace.catalog.conftest import browse, ids

pytestmark = pytest.mark.postgres


def listed(actor, **params) -> set[str]:
    body = browse(actor, **params)
    assert body["count"] == len(body["results"])  # the count follows the same rules
    return set(ids(body))


def test_a_lead_bought_by_this_buyer_is_hidden_from_it_only(buyer_a, buyer_b, make_lead):
    lead = make_lead(max_sales=3)
    SaleFactory(lead=lead, buyer=buyer_a.organization)

    assert str(lead.pk) not in listed(buyer_a)
    assert str(lead.pk) in listed(buyer_b)


def test_the_same_person_bought_in_the_segment_within_the_dedup_window_is_hidden(
    buyer_a, buyer_b, make_lead, supplier_b
):
    bought = make_lead(phone="+48601000001", email="first@example.pl")
    SaleFactory(lead=bought, buyer=buyer_a.organization)
    # The same person again, from another supplier: same phone, different email.
    same_phone = make_lead(
        supplier=supplier_b.organization, phone="+48601000001", email="other@example.pl"
    )
    # ... and by email only.
    same_email = make_lead(phone="+48601000002", email="first@example.pl")
    stranger = make_lead(phone="+48601000003", email="stranger@example.pl")

    assert listed(buyer_a) == {str(stranger.pk)}
    assert listed(buyer_b) == {
        str(bought.pk),
        str(same_phone.pk),
        str(same_email.pk),
        str(stranger.pk),
    }


def test_the_same_person_is_listed_again_once_the_dedup_window_has_passed(buyer_a, make_lead):
    loans = Segment.objects.get(slug="loans")
    long_ago = timezone.now() - timedelta(days=loans.dedup_window_days, hours=1)
    bought = make_lead(
        phone="+48601000001",
        status="sold_out",
        sales_count=1,
        created_at=long_ago - timedelta(hours=1),
    )
    SaleFactory(lead=bought, buyer=buyer_a.organization, purchased_at=long_ago)
    again = make_lead(phone="+48601000001")
    assert listed(buyer_a) == {str(again.pk)}


def test_each_segment_keeps_its_own_dedup_window_when_several_are_in_scope(
    buyer_a, make_lead, travel
):
    # given: two segments with different windows, a person bought in each between them
    loans = Segment.objects.get(slug="loans")
    loans.dedup_window_days, travel.dedup_window_days = 30, 14
    loans.save(update_fields=["dedup_window_days"])
    travel.save(update_fields=["dedup_window_days"])
    between = timezone.now() - timedelta(days=20)
    trip = {"destination": "Crete"}
    for segment, phone, attributes in ((loans, "+48601000001", {}), (travel, "+48601000002", trip)):
        bought = make_lead(
            segment=segment,
            phone=phone,
            attributes=attributes,
            status="sold_out",
            sales_count=1,
            created_at=between - timedelta(hours=1),
        )
        SaleFactory(lead=bought, buyer=buyer_a.organization, purchased_at=between)
    loans_again = make_lead(phone="+48601000001")
    travel_again = make_lead(segment=travel, phone="+48601000002", attributes=trip)

    # then: in loans' window the person is hidden, past travel's it is listed again,
    # whether one segment or both are in scope
    assert listed(buyer_a) == {str(travel_again.pk)}
    assert listed(buyer_a, segment="travel") == {str(travel_again.pk)}
    assert listed(buyer_a, segment="loans") == set()
    assert str(loans_again.pk) not in listed(buyer_a, max_age_hours="1")


def test_the_same_person_in_another_segment_is_listed(buyer_a, make_lead, travel):
    bought = make_lead(phone="+48601000001")
    SaleFactory(lead=bought, buyer=buyer_a.organization)
    other_segment = make_lead(
        segment=travel, phone="+48601000001", attributes={"destination": "Crete"}
    )
    assert listed(buyer_a) == {str(other_segment.pk)}


def test_a_suspended_suppliers_leads_are_hidden(buyer_a, make_lead, supplier):
    make_lead()
    other = OrganizationFactory(kind=OrganizationKind.SUPPLIER)
    visible = make_lead(supplier=other)
    supplier.suspended_at = timezone.now()
    supplier.save(update_fields=["suspended_at"])
    assert listed(buyer_a) == {str(visible.pk)}


def test_sold_out_held_expired_and_rejected_leads_are_hidden(buyer_a, make_lead):
    shared = make_lead(max_sales=3, sales_count=2)
    make_lead(max_sales=3, sales_count=3)  # sold out by count, status not yet changed
    make_lead(status="sold_out", max_sales=1, sales_count=1)
    make_lead(status="held")
    make_lead(status="expired")
    make_lead(status="rejected")
    assert listed(buyer_a) == {str(shared.pk)}


def test_a_lead_past_its_segments_freshness_is_hidden_before_the_expiry_task_runs(
    buyer_a, make_lead, loans
):
    fresh = make_lead(created_at=timezone.now() - timedelta(days=loans.freshness_days - 1))
    stale = make_lead(created_at=timezone.now() - timedelta(days=loans.freshness_days, hours=1))
    assert stale.status == "available"
    assert listed(buyer_a) == {str(fresh.pk)}

    loans.freshness_days = 60
    loans.save(update_fields=["freshness_days"])
    assert listed(buyer_a) == {str(fresh.pk), str(stale.pk)}


def test_a_buyer_that_also_sells_never_sees_its_own_leads(make_lead):
    from tests.conftest import make_actor

    both = make_actor("trader", OrganizationKind.BOTH)
    make_lead(supplier=both.organization)
    foreign = make_lead()
    assert listed(both) == {str(foreign.pk)}


def test_leads_of_an_inactive_segment_are_hidden(buyer_a, make_lead, travel):
    make_lead(segment=travel, attributes={"destination": "Crete"})
    loan = make_lead()
    travel.is_active = False
    travel.save(update_fields=["is_active"])
    assert listed(buyer_a) == {str(loan.pk)}
