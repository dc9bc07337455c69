"""The number of SQL statements of a lead post is pinned: a change that adds a
query to every request (a look-up per lead, a lost cache, an N+1) fails here.

Counted inside the test's transaction, so each submission's own
``transaction.atomic`` shows as SAVEPOINT and RELEASE SAVEPOINT (in production
they are BEGIN and COMMIT, which Django does not log).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Lead, LeadStatus
from marketplace.serializers import LeadReceiptSerializer, lead_receipt
from suppliers import services
from suppliers.services import lead_submit_many
from tests.factories import lead_payload
from tests.suppliers.helpers import BATCH_URL, post_lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# The API key with its organization (1), the segments' version (1), the person
# locks (1), one look-up of the external ids, suppressions and earlier leads of
# the people (1), the insert (1), and the savepoint pair (2).
SINGLE_POST_QUERIES = 7
# A batch asks the same questions once for all its leads (one segment here).
BATCH_QUERIES = 7
# A resend: key, version, locks, the look-up, the first lead in full, savepoints.
RESEND_QUERIES = 7


def person(number: int, **overrides: object) -> dict:
    fields = {
        "external_id": f"q-{number}",
        "phone": f"+48 601 {number // 1000:03d} {number % 1000:03d}",
        "email": f"person.{number}@example.pl",
    }
    return lead_payload(**{**fields, **overrides})


@pytest.fixture
def warm(supplier_a):
    """One post first: records the key's last use (a write at most once a minute)
    and loads the segments into the process."""
    assert post_lead(supplier_a, person(0)).status_code == 201
    return supplier_a


def test_a_single_lead_post_runs_a_fixed_number_of_queries(warm):
    with CaptureQueriesContext(connection) as queries:
        response = post_lead(warm, person(1))

    assert response.status_code == 201
    assert len(queries) == SINGLE_POST_QUERIES, [q["sql"][:80] for q in queries]
    assert Lead.objects.filter(external_id="q-1", status=LeadStatus.AVAILABLE).exists()


@pytest.mark.parametrize("size", [3, 40, 300])
def test_a_batch_runs_the_same_queries_whatever_its_size(warm, size):
    body = {"leads": [person(100 + n) for n in range(size)]}

    with CaptureQueriesContext(connection) as queries:
        response = warm.api().post(BATCH_URL, body, format="json")

    assert response.status_code == 200
    assert [item["status"] for item in response.json()["results"]] == ["available"] * size
    assert len(queries) == BATCH_QUERIES, [q["sql"][:80] for q in queries]
    assert Lead.objects.filter(external_id__startswith="q-").count() == size + 1


def test_a_resend_loads_the_first_answer_and_looks_up_nothing_else(warm):
    with CaptureQueriesContext(connection) as queries:
        response = post_lead(warm, person(0))

    assert response.status_code == 200
    assert len(queries) == RESEND_QUERIES, [q["sql"][:80] for q in queries]
    assert Lead.objects.count() == 1


def test_the_receipt_is_the_serializer_answer(warm):
    lead = Lead.objects.select_related("segment").get(external_id="q-0")
    lead.cpa_price_cents = None  # both money fields, with and without a value

    assert lead_receipt(lead) == LeadReceiptSerializer(lead).data


def test_the_receipt_of_a_post_is_the_serializer_answer(warm):
    body = post_lead(warm, person(2)).json()

    lead = Lead.objects.select_related("segment").get(external_id="q-2")
    assert body == LeadReceiptSerializer(lead).data


def test_an_external_id_stored_concurrently_is_judged_again_as_a_resend(supplier_a, monkeypatch):
    # given: the supplier's lead q-7 was stored by a request that committed after
    # this submission looked for its external ids (the first look-up misses it)
    first = services.lead_submit(supplier=supplier_a.organization, payload=person(7))
    real_lookup = services.known_facts
    calls = []

    def lookup_that_misses_once(**kwargs):
        calls.append(kwargs)
        known = real_lookup(**kwargs)
        if len(calls) == 1:
            known.resent = {}
        return known

    monkeypatch.setattr(services, "known_facts", lookup_that_misses_once)

    # when: the same external id arrives with another person
    (item,) = lead_submit_many(
        supplier=supplier_a.organization, payloads=[person(8, external_id="q-7")]
    )

    # then: the unique constraint refused the insert, the submission was judged
    # again and answered as a resend of the first lead; nothing else stored
    assert len(calls) == 2
    assert item.error is None
    assert item.result.created is False
    assert item.result.lead.pk == first.lead.pk
    assert Lead.objects.count() == 1
    assert Lead.objects.get().phone == "+48601000007"
