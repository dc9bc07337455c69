"""The duplicate look-up (``suppliers.intake.lookups.known_facts``) finds, for more
values than PostgreSQL can reason about as an IN list, exactly what the ORM finds
one value at a time: the earliest accepted lead of each person inside the window,
never a rejected one, a lead of another segment or one before the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from marketplace.crypto import blind_index
from marketplace.models import Lead, LeadStatus, Segment
from suppliers.intake.lookups import People, known_facts
from tests.factories import LeadFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _earliest(segment: Segment, column: str, value: str, since) -> object | None:
    lead = (
        Lead.objects.filter(segment=segment, created_at__gte=since, **{column: value})
        .exclude(status=LeadStatus.REJECTED)
        .order_by("created_at", "id")
        .first()
    )
    return lead and lead.pk


def test_the_look_up_finds_what_the_orm_finds_value_by_value():
    supplier = OrganizationFactory(kind="supplier")
    loans = Segment.objects.get(slug="loans")
    now = timezone.now()
    since = now - timedelta(days=30)
    leads = [
        LeadFactory(
            supplier=supplier,
            created_at=now - timedelta(days=40 if n % 7 == 0 else n % 20, minutes=n),
            status=LeadStatus.REJECTED if n % 5 == 0 else LeadStatus.AVAILABLE,
            email="" if n % 11 == 0 else f"p{n % 90}@example.pl",  # people sent twice
            phone=f"+48601{n % 120:06d}",
        )
        for n in range(160)
    ]
    other = Segment.objects.exclude(pk=loans.pk).first()
    LeadFactory(supplier=supplier, segment=other, phone="+48601000001", created_at=now)
    phones = {lead.phone_index for lead in leads} | {
        blind_index("phone", f"+48700{n:06d}") for n in range(200)
    }
    emails = {lead.email_index for lead in leads if lead.email_index} | {
        blind_index("email", f"nobody{n}@example.pl") for n in range(200)
    }
    external_ids = {lead.external_id for lead in leads[:30]} | {f"new-{n}" for n in range(150)}

    with transaction.atomic():
        known = known_facts(
            supplier=supplier,
            external_ids=external_ids,
            people={loans.pk: People(since=since, phones=phones, emails=emails)},
        )

    expected = {}
    for column, values in (("phone_index", phones), ("email_index", emails)):
        for value in sorted(values):
            found = _earliest(loans, column, value, since)
            if found is not None:
                expected[(loans.pk, value)] = found
    assert len(expected) > 100
    assert known.originals == expected
    assert known.resent == {lead.external_id: lead.pk for lead in leads[:30]}
    assert known.suppressed == set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # a real transaction, to see the setting end with it
def test_the_look_up_runs_without_parallel_workers_inside_its_transaction():
    supplier = OrganizationFactory(kind="supplier")
    loans = Segment.objects.get(slug="loans")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            before = cursor.fetchone()[0]
        known_facts(
            supplier=supplier,
            external_ids={"a"},
            people={loans.pk: People(since=timezone.now(), phones={"x"}, emails={"y"})},
        )
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
    assert before != "0"  # the server's default, back after the transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == before
