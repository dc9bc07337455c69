"""The masked preview is stored when a lead is stored, and the catalog shows that:
it never reads (nor decrypts) the personal fields."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Lead
from marketplace.previews import EMPTY_PREVIEW, lead_preview
from suppliers.intake.copying import COPY_FROM
from suppliers.services import lead_submit_many
from tests.factories import lead_payload
from tests.marketplace.catalog.conftest import browse

pytestmark = pytest.mark.postgres

backfill = importlib.import_module("marketplace.migrations.0009_lead_preview_backfill")

_ENCRYPTED = ("first_name", "last_name", "phone", "email", "consent_ip")


def _computed(lead: Lead) -> dict:
    return lead_preview(
        first_name=lead.first_name, phone=lead.phone, email=lead.email, country=lead.country
    )


def test_intake_stores_the_preview_it_computes_from_the_personal_data(supplier):
    payloads = [
        lead_payload(
            external_id="p-1", first_name="łucja", phone="+48 601 234 567", email="Ł.K@Mail.PL"
        ),
        lead_payload(
            external_id="p-2",
            first_name="Ioana",
            phone="+40 721 123 456",
            email="ioana@example.ro",
            country="RO",
            region="RO-B",
        ),
        lead_payload(external_id="p-3", first_name="Jan", phone="", email="jan@example.pl"),
    ]

    results = lead_submit_many(supplier=supplier, payloads=payloads)

    assert [item.error for item in results] == [None, None, None]
    stored = Lead.objects.order_by("external_id")
    assert [lead.preview for lead in stored] == [_computed(lead) for lead in stored]
    assert [lead.preview for lead in stored] == [
        {"first_name": "Ł.", "phone": "+48 60* *** *67", "email": "ł***@mail.pl"},
        {"first_name": "I.", "phone": "+40 72* *** *56", "email": "i***@example.ro"},
        {"first_name": "J.", "phone": None, "email": "j***@example.pl"},
    ]


def test_a_large_submission_stored_with_copy_stores_every_preview(supplier):
    payloads = [
        lead_payload(
            external_id=f"big-{n}",
            first_name=f"Name{n}",
            phone=f"+48 601 {n // 1000:03d} {n % 1000:03d}",
            email=f"p{n}@example.pl",
        )
        for n in range(COPY_FROM)
    ]

    results = lead_submit_many(supplier=supplier, payloads=payloads)

    assert all(item.error is None for item in results)
    stored = list(Lead.objects.all())
    assert len(stored) == COPY_FROM
    assert all(lead.preview == _computed(lead) for lead in stored)
    assert {lead.preview["first_name"] for lead in stored} == {"N."}


def test_the_catalog_shows_the_stored_preview_without_loading_personal_fields(buyer_a, make_lead):
    lead = make_lead(first_name="Zbigniew", phone="+48601234567")
    # A preview that differs from what the personal fields give: the catalog shows this one.
    Lead.objects.filter(pk=lead.pk).update(
        preview={"first_name": "Q.", "phone": "+48 60* *** *00", "email": None, "extra": "x"}
    )

    with CaptureQueriesContext(connection) as queries:
        body = browse(buyer_a)

    assert body["results"][0]["preview"] == {
        "first_name": "Q.",
        "phone": "+48 60* *** *00",
        "email": None,
    }
    page_sql = next(q["sql"] for q in queries.captured_queries if '"preview"' in q["sql"])
    for column in _ENCRYPTED:
        assert f'"marketplace_lead"."{column}"' not in page_sql


def test_a_lead_without_a_stored_preview_shows_an_empty_one(buyer_a, make_lead):
    make_lead(preview={})

    assert browse(buyer_a)["results"][0]["preview"] == EMPTY_PREVIEW


def test_the_backfill_fills_empty_previews_in_batches_and_keeps_stored_ones(make_lead, monkeypatch):
    monkeypatch.setattr(backfill, "BATCH", 2)
    empty = [
        make_lead(first_name=name, phone=f"+4860100000{n}", email=f"{name.lower()}@example.pl")
        for n, name in enumerate(["Anna", "Ewa", "Olga", "Piotr", "Jan"])
    ]
    Lead.objects.filter(pk__in=[lead.pk for lead in empty]).update(preview={})
    kept = make_lead(preview={"first_name": "K.", "phone": None, "email": None})
    wiped = make_lead(first_name="", phone="", email="", preview={})

    backfill.backfill_previews(apps, SimpleNamespace(connection=connection))

    for lead in Lead.objects.filter(pk__in=[lead.pk for lead in empty]):
        assert lead.preview == _computed(lead)
        assert lead.preview["first_name"] == lead.first_name[0] + "."
    assert Lead.objects.get(pk=kept.pk).preview == {
        "first_name": "K.",
        "phone": None,
        "email": None,
    }
    assert Lead.objects.get(pk=wiped.pk).preview == EMPTY_PREVIEW
    assert not Lead.objects.filter(preview={}).exists()
