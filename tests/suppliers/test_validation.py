"""Every field problem answers 422 validation_failed with ``fields`` and stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.errors import ValidationFailed
from marketplace.models import Segment
from suppliers.intake.validation import validate_lead
from tests.factories import lead_payload
from tests.suppliers.helpers import assert_envelope, lead_count, post_lead

pytestmark = pytest.mark.django_db

FUTURE = (timezone.now() + timedelta(hours=2)).isoformat()


def _without(*names: str) -> dict:
    payload = lead_payload()
    for name in names:
        del payload[name]
    return payload


def _consent(**changes: object) -> dict:
    consent = dict(lead_payload()["consent"])
    consent.update(changes)
    return consent


INVALID = [
    # (payload, field expected in "fields")
    pytest.param(_without("segment"), "segment", id="segment-missing"),
    pytest.param(lead_payload(segment="cars"), "segment", id="segment-unknown"),
    pytest.param(lead_payload(segment=["loans"]), "segment", id="segment-list"),
    pytest.param(_without("external_id"), "external_id", id="external_id-missing"),
    pytest.param(lead_payload(external_id=""), "external_id", id="external_id-empty"),
    pytest.param(lead_payload(external_id=12), "external_id", id="external_id-number"),
    pytest.param(lead_payload(external_id="x" * 129), "external_id", id="external_id-long"),
    pytest.param(_without("first_name"), "first_name", id="first_name-missing"),
    pytest.param(lead_payload(first_name="  "), "first_name", id="first_name-blank"),
    pytest.param(lead_payload(first_name="A" * 101), "first_name", id="first_name-long"),
    pytest.param(lead_payload(first_name="An\x07na"), "first_name", id="first_name-control"),
    pytest.param(lead_payload(phone=None, email=None), "phone", id="no-phone-no-email"),
    pytest.param(lead_payload(phone="", email=""), "phone", id="empty-phone-and-email"),
    pytest.param(lead_payload(phone="601 234"), "phone", id="phone-short"),
    pytest.param(lead_payload(phone="call me"), "phone", id="phone-words"),
    pytest.param(lead_payload(phone=601234567), "phone", id="phone-number"),
    pytest.param(lead_payload(email="anna@"), "email", id="email-invalid"),
    pytest.param(lead_payload(email="anna k@example.pl"), "email", id="email-space"),
    pytest.param(_without("country"), "country", id="country-missing"),
    pytest.param(lead_payload(country="XX"), "country", id="country-unknown"),
    pytest.param(lead_payload(country="Poland"), "country", id="country-name"),
    pytest.param(lead_payload(region="RO-B"), "region", id="region-other-country"),
    pytest.param(lead_payload(region="Mazowieckie"), "region", id="region-not-a-code"),
    pytest.param(lead_payload(temperature="boiling"), "temperature", id="temperature"),
    pytest.param(lead_payload(temperature=3), "temperature", id="temperature-number"),
    pytest.param(lead_payload(source="tv"), "source", id="source"),
    pytest.param(lead_payload(captured_at="yesterday"), "captured_at", id="captured_at-words"),
    pytest.param(lead_payload(captured_at="2026-02-30T10:00:00Z"), "captured_at", id="feb-30"),
    pytest.param(lead_payload(captured_at="2026-11-20T10:00:00+25:00"), "captured_at", id="tz"),
    pytest.param(lead_payload(captured_at=1732096800), "captured_at", id="captured_at-epoch"),
    pytest.param(lead_payload(captured_at=FUTURE), "captured_at", id="captured_at-future"),
    pytest.param(lead_payload(captured_at="1999-12-31T10:00:00Z"), "captured_at", id="ancient"),
    pytest.param(lead_payload(consent="yes"), "consent", id="consent-text-only"),
    pytest.param(lead_payload(consent=_consent(captured_at=FUTURE)), "consent.captured_at"),
    pytest.param(lead_payload(consent=_consent(captured_at="now")), "consent.captured_at"),
    pytest.param(lead_payload(consent=_consent(ip="300.1.1.1")), "consent.ip"),
    pytest.param(
        lead_payload(consent=_consent(page_url="javascript:alert(1)")), "consent.page_url"
    ),
    pytest.param(lead_payload(consent=_consent(signed=True)), "consent.signed"),
    pytest.param(lead_payload(qualification=[True]), "qualification"),
    pytest.param(lead_payload(qualification={"budget": "yes"}), "qualification.budget"),
    pytest.param(lead_payload(qualification={"timeline": "someday"}), "qualification.timeline"),
    pytest.param(lead_payload(qualification={"mood": "good"}), "qualification.mood"),
    pytest.param(lead_payload(attributes=[]), "attributes", id="attributes-list"),
    pytest.param(lead_payload(attributes={"term_months": 24}), "attributes.amount", id="required"),
    pytest.param(lead_payload(attributes={"amount": "lots"}), "attributes.amount", id="type"),
    pytest.param(lead_payload(attributes={"amount": 5}), "attributes.amount", id="minimum"),
    pytest.param(
        lead_payload(attributes={"amount": 20000, "purpose": "yacht"}), "attributes.purpose"
    ),
    pytest.param(lead_payload(attributes={"amount": 20000, "colour": "red"}), "attributes"),
    pytest.param(lead_payload(price="-1.00"), "price", id="price-negative"),
    pytest.param(lead_payload(price="12.505"), "price", id="price-3-decimals"),
    pytest.param(lead_payload(price="abc"), "price", id="price-abc"),
    pytest.param(lead_payload(price=12.5), "price", id="price-float"),
    pytest.param(lead_payload(price=0.1), "price", id="price-float-0.1"),
    pytest.param(lead_payload(price=True), "price", id="price-bool"),
    pytest.param(lead_payload(price="1e3"), "price", id="price-exponent"),
    pytest.param(lead_payload(price="9e999999"), "price", id="price-overflow"),
    pytest.param(lead_payload(price="NaN"), "price", id="price-nan-string"),
    pytest.param(lead_payload(price="Infinity"), "price", id="price-inf-string"),
    pytest.param(lead_payload(price="1_000"), "price", id="price-underscore"),
    pytest.param(lead_payload(price="\u0661\u0662"), "price", id="price-arabic-digits"),
    pytest.param(lead_payload(price="99999999999.00"), "price", id="price-too-large"),
    pytest.param(lead_payload(price={"amount": "1"}), "price", id="price-object"),
    pytest.param(lead_payload(cpa_price="-5"), "cpa_price", id="cpa-negative"),
    pytest.param(lead_payload(cpa_price="1.234"), "cpa_price", id="cpa-3-decimals"),
    pytest.param(lead_payload(max_sales=0), "max_sales", id="max_sales-zero"),
    pytest.param(lead_payload(max_sales=4), "max_sales", id="max_sales-above-limit"),
    pytest.param(lead_payload(max_sales="2"), "max_sales", id="max_sales-string"),
    pytest.param(lead_payload(max_sales=1.5), "max_sales", id="max_sales-float"),
    pytest.param(lead_payload(max_sales=True), "max_sales", id="max_sales-bool"),
    pytest.param(lead_payload(favourite_colour="blue"), "favourite_colour", id="unknown-field"),
]


@pytest.mark.parametrize(("payload", "field"), INVALID)
def test_invalid_field_answers_422_with_fields_and_stores_nothing(supplier_a, payload, field):
    response = post_lead(supplier_a, payload)

    error = assert_envelope(response, status=422, code="validation_failed")
    assert field in error["fields"], error["fields"]
    assert all(isinstance(problems, list) and problems for problems in error["fields"].values())
    assert lead_count() == 0


def test_every_problem_is_reported_at_once(supplier_a):
    payload = lead_payload(first_name="", temperature="boiling", price="-1", max_sales=9)

    error = assert_envelope(post_lead(supplier_a, payload), status=422, code="validation_failed")

    assert {"first_name", "temperature", "price", "max_sales"} <= set(error["fields"])


def test_invalid_phone_says_which_country(supplier_a):
    error = assert_envelope(
        post_lead(supplier_a, lead_payload(phone="601 234")), status=422, code="validation_failed"
    )
    assert error["fields"]["phone"] == ["not a valid number for PL"]

    error = assert_envelope(
        post_lead(supplier_a, lead_payload(phone="call me")), status=422, code="validation_failed"
    )
    assert error["fields"]["phone"] == ["not a valid number for PL"]


def test_max_sales_follows_the_segments_limit(supplier_a):
    Segment.objects.filter(slug="loans").update(max_sales_limit=5)

    response = post_lead(supplier_a, lead_payload(max_sales=5))

    assert response.status_code == 201, response.content
    assert response.json()["max_sales"] == 5


def test_whole_number_prices_and_trailing_zeros_are_exact(supplier_a):
    response = post_lead(supplier_a, lead_payload(price=12, cpa_price="60.500"))

    assert response.status_code == 201, response.content
    assert response.json()["price"] == "12.00"
    assert response.json()["cpa_price"] == "60.50"


def test_timestamps_without_zone_are_utc_and_small_clock_skew_is_allowed(supplier_a):
    soon = (timezone.now() + timedelta(minutes=2)).replace(tzinfo=None).isoformat()

    response = post_lead(supplier_a, lead_payload(captured_at=soon))

    assert response.status_code == 201, response.content


def test_validator_is_pure_and_raises_validation_failed(django_assert_num_queries):
    segments = {segment.slug: segment for segment in Segment.objects.all()}

    with django_assert_num_queries(0):
        draft = validate_lead(lead_payload(), segments=segments, now=timezone.now())
        with pytest.raises(ValidationFailed) as caught:
            validate_lead(lead_payload(price="x"), segments=segments, now=timezone.now())

    assert draft.phone == "+48601234567"
    assert draft.price_cents == 1250
    assert draft.has_consent
    assert "price" in caught.value.fields


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"attributes": {"amount": 20000, "note": "a\x00b"}}, "attributes"),
        ({"attributes": {"amount": float("inf")}}, "attributes"),
        ({"attributes": {"amount": float("nan")}}, "attributes"),
        ({"attributes": {"amount": 20000, "note": "\ud800"}}, "attributes"),
        ({"consent": {**lead_payload()["consent"], "page_url": "https://a.pl/\x00"}}, None),
        ({"consent": {**lead_payload()["consent"], "page_url": "https://a.pl/\udc00"}}, None),
        ({"city": "Warsz\x00awa"}, "city"),
    ],
)
def test_validator_refuses_what_postgresql_cannot_store(overrides, field):
    # File uploads call the validator without the API's JSON parser in front.
    segments = {segment.slug: segment for segment in Segment.objects.all()}

    with pytest.raises(ValidationFailed) as caught:
        validate_lead(lead_payload(**overrides), segments=segments, now=timezone.now())

    assert (field or "consent.page_url") in caught.value.fields


def test_consent_wording_may_have_line_breaks_but_no_other_control_characters(supplier_a):
    wording = "I agree to be contacted.\r\nBy phone and email.\tThank you."
    ok = post_lead(supplier_a, lead_payload(consent=_consent(text=wording)))
    bad = post_lead(supplier_a, lead_payload(external_id="bell", consent=_consent(text="Yes\x07")))

    assert ok.status_code == 201, ok.content
    assert "consent.text" in assert_envelope(bad, status=422, code="validation_failed")["fields"]
    assert lead_count() == 1
