"""Headers → lead fields: names, synonyms in four languages, the supplier's memory;
rows → the API's lead dicts."""

from __future__ import annotations

import pytest

from marketplace.models import Segment
from suppliers.uploads.mapping import (
    apply_column_map,
    auto_map,
    build_plan,
    memory_update,
    missing_required,
    normalize_header,
    row_to_payload,
)
from suppliers.uploads.reading import Formula

pytestmark = pytest.mark.django_db


@pytest.fixture
def loans() -> Segment:
    return Segment.objects.get(slug="loans")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            [
                "First Name",
                "Last name",
                "Phone number",
                "E-mail",
                "Country",
                "Consent",
                "Consent date",
            ],
            [
                "first_name",
                "last_name",
                "phone",
                "email",
                "country",
                "consent_text",
                "consent_captured_at",
            ],
        ),
        (
            [
                "Imię",
                "Nazwisko",
                "Telefon",
                "Adres e-mail",
                "Kraj",
                "Zgoda",
                "Data zgody",
                "Miasto",
            ],
            [
                "first_name",
                "last_name",
                "phone",
                "email",
                "country",
                "consent_text",
                "consent_captured_at",
                "city",
            ],
        ),
        (
            ["Prenume", "Nume", "Telefon mobil", "Email", "Țară", "Consimțământ", "Județ", "Oraș"],
            [
                "first_name",
                "last_name",
                "phone",
                "email",
                "country",
                "consent_text",
                "region",
                "city",
            ],
        ),
        (
            [
                "Имя",
                "Фамилия",
                "Телефон",
                "Электронная почта",
                "Страна",
                "Согласие",
                "Дата согласия",
                "Город",
                "Индекс",
            ],
            [
                "first_name",
                "last_name",
                "phone",
                "email",
                "country",
                "consent_text",
                "consent_captured_at",
                "city",
                "postal_code",
            ],
        ),
        (
            ["consent_text", "qualification_budget", "consent.ip", "AMOUNT", "term_months"],
            ["consent_text", "qualification_budget", "consent_ip", "amount", "term_months"],
        ),
    ],
    ids=["english", "polish", "romanian", "russian", "field-names"],
)
def test_headers_map_by_name_and_synonym(loans, headers, expected):
    mapped = auto_map(headers, segment=loans)

    assert [mapped.get(index) for index in range(len(headers))] == expected


def test_header_normalization_ignores_case_accents_and_punctuation():
    assert normalize_header("  IMIĘ ") == normalize_header("imie") == "imie"
    assert normalize_header("E-mail") == normalize_header("e mail") == "e_mail"
    assert normalize_header("Łódź") == "lodz"


def test_a_field_is_taken_by_its_first_column_only(loans):
    mapped = auto_map(["Phone", "Telefon", "Mobile"], segment=loans)

    assert mapped == {0: "phone"}


def test_segment_attribute_names_win_over_bant_synonyms():
    travel = Segment.objects.get(slug="travel")

    assert auto_map(["budget"], segment=travel) == {0: "budget"}
    assert auto_map(["budget"], segment=Segment.objects.get(slug="loans")) == {
        0: "qualification_budget"
    }


def test_the_suppliers_earlier_choice_wins_and_remembers_ignored_columns(loans):
    headers = ["Kontakt", "Telefon", "Notes"]
    memory = memory_update({}, headers, {0: "phone"})

    mapped = auto_map(headers, segment=loans, memory=memory)

    assert mapped == {0: "phone"}  # "Telefon" was ignored last time: it stays ignored


def test_explicit_column_map_overrides_and_reports_unknown_names(loans):
    headers = ["Telefon", "Tel2", "Notes"]
    base = auto_map(headers, segment=loans)

    mapped, problems = apply_column_map(
        headers,
        {"Tel2": "phone", "Notes": None, "Nope": "email", "Telefon": "shoe_size"},
        segment=loans,
        base=base,
    )

    assert mapped == {1: "phone"}
    assert set(problems) == {"Nope", "Telefon"}


def test_missing_required_names_the_columns(loans):
    assert missing_required({0: "first_name", 1: "country"}) == [
        "consent_text",
        "consent_captured_at",
        "phone or email",
    ]
    complete = {0: "first_name", 1: "country", 2: "consent_text", 3: "consent_captured_at"}
    assert missing_required({**complete, 4: "email"}) == []


def test_rows_become_the_apis_nested_lead(loans):
    headers = [
        "first_name",
        "consent_text",
        "consent_ip",
        "qualification_budget",
        "qualification_timeline",
        "amount",
        "max_sales",
        "country",
        "Unmapped",
    ]
    plan = build_plan(segment=loans, mapped=auto_map(headers, segment=loans), width=len(headers))

    payload, problems = row_to_payload(
        ["Anna ", "I agree", "203.0.113.5", "Tak", "this_month", "20 000", "2", "pl", "x"],
        plan,
        default_external_id="upload-1-row-2",
    )

    assert problems == []
    assert payload == {
        "segment": "loans",
        "first_name": "Anna",
        "consent": {"text": "I agree", "ip": "203.0.113.5"},
        "qualification": {"budget": True, "timeline": "this_month"},
        "attributes": {"amount": 20000},
        "max_sales": 2,
        "country": "PL",
        "external_id": "upload-1-row-2",
    }


def test_unparsable_values_are_passed_on_for_validation_to_name(loans):
    plan = build_plan(segment=loans, mapped={0: "amount", 1: "qualification_need"}, width=2)

    payload, _problems = row_to_payload(["lots", "perhaps"], plan, default_external_id="x")

    assert payload["attributes"] == {"amount": "lots"}
    assert payload["qualification"] == {"need": "perhaps"}


def test_formula_cells_and_extra_cells_are_row_problems(loans):
    plan = build_plan(segment=loans, mapped={0: "first_name", 1: "phone"}, width=2)

    _payload, problems = row_to_payload(
        [Formula("=A1&B1"), "+48 601 234 567", "surplus"], plan, default_external_id="x"
    )

    assert problems == [
        "the row has 3 cells but the header has 2 columns",
        "first_name: a formula (=A1&B1); save the sheet with values",
    ]
