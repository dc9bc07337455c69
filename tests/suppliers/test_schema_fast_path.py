"""The quick attribute check never calls valid what jsonschema refuses."""

from __future__ import annotations

import pickle

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from marketplace.errors import ValidationFailed
from marketplace.models import Segment
from suppliers.intake.schema import quick_check
from suppliers.intake.validation import validate_lead
from tests.factories import lead_payload

_VALUES = (
    st.integers(min_value=-10, max_value=20_000_000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.none()
    | st.text(max_size=120)
    | st.sampled_from(["car", "home", "mortgage", "online", "casco", "2026-11-20", "1.0"])
    | st.just(1.0)
    | st.lists(st.integers(), max_size=2)
)


def _valid(schema: dict) -> object:
    """A value the property's schema accepts (the draws then spoil some of them)."""
    if "enum" in schema:
        return schema["enum"][-1]
    if schema.get("type") in ("integer", "number"):
        return schema.get("maximum", schema.get("minimum", 0))
    if schema.get("type") == "boolean":
        return True
    if "pattern" in schema:
        return "2026-11-20"
    return "x" * max(schema.get("minLength", 1), 1)


@pytest.mark.django_db
def test_seeded_segments_have_a_quick_check() -> None:
    assert all(quick_check(segment.fields) is not None for segment in Segment.objects.all())


@pytest.mark.django_db
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_quick_check_agrees_with_jsonschema(data: st.DataObject) -> None:
    for segment in Segment.objects.all():
        properties = segment.fields.get("properties", {})
        attributes = {
            name: data.draw(st.just(_valid(schema)) | _VALUES)
            for name, schema in properties.items()
            if data.draw(st.integers(0, 9)) > 0  # now and then a property is left out
        }
        if data.draw(st.integers(0, 9)) == 0:
            attributes["unknown"] = 1
        valid = not list(Draft202012Validator(segment.fields).iter_errors(attributes))
        assert quick_check(segment.fields)(attributes) in ((True, False) if valid else (False,))
        if all(attributes.get(n) == _valid(s) for n, s in properties.items()):
            assert quick_check(segment.fields)(attributes) is valid


def test_other_schemas_have_no_quick_check() -> None:
    assert quick_check({"type": "object", "properties": {"a": {"anyOf": []}}}) is None
    assert quick_check({"type": "object", "properties": {}}) is None  # extra properties allowed


@pytest.mark.django_db
def test_a_segment_that_has_validated_leads_pickles_and_its_copy_validates_alike() -> None:
    # given: a segment whose checks are compiled and kept on it (a validated lead)
    segment = Segment.objects.get(slug="loans")
    now = timezone.now()
    validate_lead(lead_payload(), segments={"loans": segment}, now=now)

    # when: it travels pickled (a draft sent by an upload's preparing process)
    copy = pickle.loads(pickle.dumps(segment))

    # then: the copy validates and refuses what the original does
    assert validate_lead(lead_payload(), segments={"loans": copy}, now=now).segment is copy
    wrong = lead_payload(attributes={"amount": "much"})
    with pytest.raises(ValidationFailed) as original_error:
        validate_lead(wrong, segments={"loans": segment}, now=now)
    with pytest.raises(ValidationFailed) as copy_error:
        validate_lead(wrong, segments={"loans": copy}, now=now)
    assert copy_error.value.fields == original_error.value.fields
    assert any(name.startswith("attributes") for name in copy_error.value.fields)
