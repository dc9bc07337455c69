"""Concurrent intake on PostgreSQL: one lead per external_id, one available lead per person."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from marketplace.models import Lead, LeadStatus
from tests.factories import lead_payload
from tests.suppliers.helpers import LEADS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _post_all_at_once(jobs: list[tuple[object, dict]]) -> list[int]:
    """Each job (actor, payload) posts from its own thread, released together."""
    barrier = threading.Barrier(len(jobs))
    statuses: list[int | BaseException] = [0] * len(jobs)

    def run(index: int, actor, payload: dict) -> None:
        client = actor.api()
        try:
            barrier.wait(timeout=10)
            statuses[index] = client.post(LEADS_URL, payload, format="json").status_code
        except BaseException as exc:  # reported below, never lost in a thread
            statuses[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, actor, payload))
        for index, (actor, payload) in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(status, int) for status in statuses), statuses
    return statuses


@pytest.mark.parametrize("copies", [2, 8])
def test_identical_posts_at_once_store_exactly_one_lead(supplier_a, copies):
    statuses = _post_all_at_once([(supplier_a, lead_payload())] * copies)

    assert Counter(statuses) == {201: 1, 200: copies - 1}
    assert Lead.objects.count() == 1
    assert Lead.objects.get().status == LeadStatus.AVAILABLE


def test_same_external_id_with_different_people_at_once_stores_one(supplier_a):
    jobs = [
        (supplier_a, lead_payload(phone=f"+48 602 000 {100 + i}", email=f"p{i}@example.pl"))
        for i in range(6)
    ]

    statuses = _post_all_at_once(jobs)

    assert Counter(statuses) == {201: 1, 200: 5}
    assert Lead.objects.count() == 1


def test_two_suppliers_sending_the_same_person_at_once_one_wins(supplier_a, supplier_b):
    jobs = [
        (supplier_a, lead_payload(external_id="a-1")),
        (supplier_b, lead_payload(external_id="b-1", phone="601 234 567", email=None)),
    ]

    statuses = _post_all_at_once(jobs)

    assert sorted(statuses) == [201, 409]
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE).count() == 1
    rejected = Lead.objects.get(status=LeadStatus.REJECTED)
    assert rejected.rejection_reasons == ["duplicate"]
    assert rejected.duplicate_of == Lead.objects.get(status=LeadStatus.AVAILABLE)


def test_many_suppliers_leads_of_one_person_by_phone_and_by_email_one_available(
    supplier_a, supplier_b
):
    # one shares the phone, one the email, one both: all the same person
    jobs = []
    for i in range(4):
        jobs.append((supplier_a, lead_payload(external_id=f"a-{i}", email=None)))
        jobs.append(
            (supplier_b, lead_payload(external_id=f"b-{i}", phone=None, email="ANNA.K@example.pl"))
        )

    statuses = _post_all_at_once(jobs)

    available = Lead.objects.filter(status=LeadStatus.AVAILABLE).count()
    # phone-only and email-only leads are different blind indexes, so one of each may win;
    # never more than one per index
    assert available <= 2
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE, email_index="").count() <= 1
    assert Lead.objects.filter(status=LeadStatus.AVAILABLE, phone_index="").count() <= 1
    assert Counter(statuses)[201] == available
    assert Lead.objects.count() == 8


def test_a_large_batch_and_single_posts_of_the_same_person_at_once_one_available(
    supplier_a, supplier_b
):
    """A batch past MAX_PERSON_LOCKS locks whole segments; single posts lock people.
    The two kinds must still exclude each other."""
    from suppliers.intake.locks import MAX_PERSON_LOCKS
    from tests.suppliers.helpers import BATCH_URL

    crowd = [
        lead_payload(
            external_id=f"crowd-{n}", phone=f"+48 601 3{n:05d}", email=f"crowd{n}@example.pl"
        )
        for n in range(MAX_PERSON_LOCKS + 10)
    ]
    batch = [*crowd, lead_payload(external_id="batch-anna")]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(post) -> None:
        try:
            barrier.wait(timeout=10)
            post()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    jobs = [lambda: supplier_b.api().post(BATCH_URL, {"leads": batch}, format="json")] + [
        (
            lambda n=n: supplier_a.api().post(
                LEADS_URL, lead_payload(external_id=f"single-{n}"), format="json"
            )
        )
        for n in range(3)
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    anna = Lead.objects.filter(external_id__in=["batch-anna", "single-0", "single-1", "single-2"])
    assert anna.count() == 4
    assert anna.filter(status=LeadStatus.AVAILABLE).count() == 1
    assert Lead.objects.filter(
        external_id__startswith="crowd-", status=LeadStatus.AVAILABLE
    ).count() == len(crowd)
