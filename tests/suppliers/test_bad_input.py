"""Hostile and broken input: always a 4xx in the envelope, never a 500, nothing half-stored."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.models import Lead
from tests.factories import lead_payload
from tests.suppliers.helpers import BATCH_URL, LEADS_URL, assert_envelope, lead_count, post_lead

pytestmark = pytest.mark.django_db


def post_raw(actor, body: bytes, *, url: str = LEADS_URL, content_type="application/json"):
    return actor.api().generic("POST", url, data=body, content_type=content_type)


def assert_refused(response) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    return assert_envelope(response, status=response.status_code)


RAW_BODIES = [
    pytest.param(b"", id="empty"),
    pytest.param(b"   ", id="blank"),
    pytest.param(b"null", id="null"),
    pytest.param(b"[]", id="empty-list"),
    pytest.param(json.dumps([lead_payload()]).encode(), id="list-of-leads"),
    pytest.param(b'"a lead"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"true", id="bool"),
    pytest.param(b"{", id="truncated"),
    pytest.param(b"{'segment': 'loans'}", id="single-quotes"),
    pytest.param(b'{"segment": "loans",}', id="trailing-comma"),
    pytest.param(b"[" * 10_000 + b"]" * 10_000, id="deep-list-10000"),
    pytest.param(b'{"a":' * 10_000 + b"1" + b"}" * 10_000, id="deep-object-10000"),
    pytest.param(b'{"attributes": ' + b"[" * 40 + b"]" * 40 + b"}", id="deep-40"),
    pytest.param(b'{"price": 1e999}', id="1e999"),
    pytest.param(b'{"price": -1e999}', id="minus-1e999"),
    pytest.param(b'{"price": NaN}', id="NaN"),
    pytest.param(b'{"price": Infinity}', id="Infinity"),
    pytest.param(b'{"max_sales": ' + b"9" * 5000 + b"}", id="5000-digit-integer"),
    pytest.param(b'{"first_name": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param(b'{"first_name": "\xc3"}', id="truncated-utf8"),
    pytest.param(b'{"first_name": "\\u0000"}', id="nul-in-value"),
    pytest.param(b'{"\\u0000": "x"}', id="nul-in-key"),
    pytest.param(b'{"first_name": "\\ud800"}', id="lone-surrogate-value"),
    pytest.param(b'{"\\udfff": 1}', id="lone-surrogate-key"),
    pytest.param(b"\xef\xbb\xbf{", id="bom-then-garbage"),
]


@pytest.mark.parametrize("body", RAW_BODIES)
def test_malformed_bodies_are_refused_in_the_envelope(supplier_a, body):
    response = post_raw(supplier_a, body)

    assert_refused(response)
    assert lead_count() == 0


@pytest.mark.parametrize("body", RAW_BODIES)
def test_malformed_batch_bodies_are_refused_in_the_envelope(supplier_a, body):
    response = post_raw(supplier_a, body, url=BATCH_URL)

    assert_refused(response)
    assert lead_count() == 0


def test_bom_before_valid_json_is_accepted(supplier_a):
    response = post_raw(supplier_a, b"\xef\xbb\xbf" + json.dumps(lead_payload()).encode())

    assert response.status_code == 201, response.content


def test_malformed_json_is_a_400_malformed_request(supplier_a):
    assert_envelope(post_raw(supplier_a, b"{"), status=400, code="malformed_request")


def test_nan_in_a_lead_is_refused(supplier_a):
    body = json.dumps(lead_payload(attributes={"amount": float("nan")})).encode()

    assert_refused(post_raw(supplier_a, body))
    assert lead_count() == 0


@pytest.mark.parametrize(
    "attributes",
    [
        {"amount": 20000, "note": "\ud800"},
        {"amount": 20000, "\udc00": 1},
    ],
)
def test_lone_surrogates_anywhere_are_refused(supplier_a, attributes):
    body = json.dumps(lead_payload(attributes=attributes)).encode()  # ensure_ascii escapes them

    assert_refused(post_raw(supplier_a, body))
    assert lead_count() == 0


def test_infinite_number_in_an_open_schema_is_refused_not_a_500(supplier_a):
    # a moderator's segment may allow any number; jsonb cannot store Infinity
    from marketplace.models import Segment

    Segment.objects.filter(slug="loans").update(
        fields={"type": "object", "properties": {"amount": {"type": "number"}}}
    )
    body = json.dumps(lead_payload(attributes={"amount": 1})).replace(
        '"amount": 1', '"amount": 1e999'
    )

    assert_refused(post_raw(supplier_a, body.encode()))
    assert lead_count() == 0


WRONG_TYPES = [None, True, 0, -1, 1.5, "", "x" * 100_000, [], ["a"], {}, {"a": 1}]
FIELDS = [*sorted(lead_payload()), "consent.text", "consent.captured_at", "consent.ip"]


@pytest.mark.parametrize("field", FIELDS)
def test_wrong_types_in_every_field_never_500(supplier_a, field):
    for index, value in enumerate(WRONG_TYPES):
        payload = lead_payload(external_id=f"wrong-{index}")
        if field.startswith("consent."):
            payload["consent"] = {**payload["consent"], field.split(".", 1)[1]: value}
        elif field == "external_id":
            payload["external_id"] = value
        else:
            payload[field] = value
        Lead.objects.all().delete()

        response = post_lead(supplier_a, payload)

        assert response.status_code < 500, (field, value, response.content[:300])
        if response.status_code >= 400:
            assert_envelope(response, status=response.status_code)
            if response.json()["error"]["code"] == "validation_failed":
                assert lead_count() == 0


@pytest.mark.parametrize("field", ["first_name", "last_name", "city", "external_id", "email"])
def test_100_kb_strings_are_refused(supplier_a, field):
    response = post_lead(supplier_a, lead_payload(**{field: "a" * 100_000}))

    error = assert_envelope(response, status=422, code="validation_failed")
    assert field in error["fields"]
    assert lead_count() == 0


def test_100_kb_attribute_is_refused(supplier_a):
    response = post_lead(supplier_a, lead_payload(attributes={"amount": 20000, "x": "a" * 100_000}))

    assert_envelope(response, status=422, code="validation_failed")
    assert lead_count() == 0


def test_nul_bytes_in_values_and_keys_are_refused(supplier_a):
    for payload in (
        lead_payload(first_name="An\x00na"),
        lead_payload(consent={**lead_payload()["consent"], "text": "I agree\x00"}),
        lead_payload(attributes={"amount": 20000, "purpose\x00": "car"}),
        {**lead_payload(), "evil\x00key": 1},
    ):
        assert_refused(post_lead(supplier_a, payload))
    assert lead_count() == 0


def test_batch_of_1001_leads_is_refused_and_nothing_is_stored(supplier_a):
    leads = [lead_payload(external_id=f"b{i}") for i in range(1001)]

    response = supplier_a.api().post(BATCH_URL, {"leads": leads}, format="json")

    error = assert_envelope(response, status=422, code="validation_failed")
    assert "leads" in error["fields"]
    assert lead_count() == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"leads": []}, {"leads": {}}, {"leads": "x"}, {"leads": None}, [], {"lead": [{}]}],
)
def test_batch_without_a_list_of_leads_is_refused(supplier_a, body):
    response = supplier_a.api().post(BATCH_URL, body, format="json")

    assert_envelope(response, status=422, code="validation_failed")
    assert lead_count() == 0


def test_batch_items_of_the_wrong_type_are_each_invalid(supplier_a):
    items = [None, 1, "lead", [], [lead_payload()], True, lead_payload()]

    response = supplier_a.api().post(BATCH_URL, {"leads": items}, format="json")

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(len(items)))
    assert [r["status"] for r in results[:-1]] == ["invalid"] * (len(items) - 1)
    for result in results[:-1]:
        assert result["error"]["code"] == "validation_failed"
        assert "id" not in result
    assert results[-1]["status"] == "available"
    assert lead_count() == 1


@override_settings(API_MAX_BODY_BYTES=2048, DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_body_over_the_limit_is_413(supplier_a):
    response = post_lead(supplier_a, lead_payload(city="x" * 4096))

    assert_envelope(response, status=413, code="too_large")
    assert lead_count() == 0


# --- property test ---------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
lead_like = st.fixed_dictionaries(
    {},
    optional={
        name: st.one_of(json_values, st.just(value))
        for name, value in lead_payload().items()
        if name != "external_id"
    },
).map(lambda d: {**d, "external_id": "prop"})


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.one_of(json_values, lead_like))
def test_generated_json_never_gets_a_5xx(supplier_a, body):
    Lead.objects.all().delete()

    response = post_raw(supplier_a, json.dumps(body).encode())

    assert response.status_code < 500, (body, response.content[:300])
    if response.status_code >= 400:
        assert_envelope(response, status=response.status_code)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=st.lists(st.one_of(json_values, lead_like), min_size=1, max_size=5))
def test_generated_batches_never_get_a_5xx(supplier_a, items):
    Lead.objects.all().delete()

    response = post_raw(supplier_a, json.dumps({"leads": items}).encode(), url=BATCH_URL)

    assert response.status_code < 500, (items, response.content[:300])
    if response.status_code == 200:
        assert len(response.json()["results"]) == len(items)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(["status", "segment", "limit", "cursor", "other"]), st.text(max_size=40)
    )
)
def test_generated_list_queries_never_get_a_5xx(supplier_a, params):
    client = supplier_a.api()
    client.raise_request_exception = False

    response = client.get(LEADS_URL, params)

    assert response.status_code < 500, (params, response.content[:300])
