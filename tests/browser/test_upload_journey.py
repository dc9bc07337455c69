"""A supplier uploads a CSV in a real browser: maps the columns, starts, watches the
progress and reads the report (accepted, duplicates, rejected by reason)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace.models import Lead
from tests.browser.helpers import sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    "crm id;Vorname;Nachname;Telefon;E-Mail;Land;Einwilligung;Einwilligung am;Kwota;Okres;Cel\n"
    "u-1;Anna;Kowalska;+48 601 234 567;anna.k@example.pl;PL;I agree to be contacted.;"
    "2026-11-20T10:00:00Z;20000;24;car\n"
    "u-2;Piotr;Nowak;+48 601 000 111;piotr@example.pl;PL;I agree to be contacted.;"
    "2026-11-20T10:00:00Z;20000;24;car\n"
    "u-3;Anna;Kowalska;+48 601 234 567;anna.k@example.pl;PL;I agree to be contacted.;"
    "2026-11-20T10:00:00Z;20000;24;car\n"
)

MAPPING = {
    "crm id": "external_id",
    "Vorname": "first_name",
    "Nachname": "last_name",
    "Telefon": "phone",
    "E-Mail": "email",
    "Land": "country",
    "Einwilligung": "consent_text",
    "Einwilligung am": "consent_captured_at",
    "Kwota": "amount",
    "Okres": "term_months",
    "Cel": "purpose",
}


def test_supplier_uploads_a_file_maps_columns_and_sees_the_report(page, supplier_a, tmp_path, shot):
    upload = tmp_path / "crm-export.csv"
    upload.write_text(CSV, encoding="utf-8")

    sign_in_as(page, supplier_a.user)
    page.goto(page.base + "/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload leads").click()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_label("Segment").select_option("loans")
    page.get_by_role("button", name="Upload and map columns").click()

    # the mapping form: one select per column, labelled with the file's header
    expect(page.get_by_role("heading", name="Which column holds what?")).to_be_visible()
    for header, field in MAPPING.items():
        page.get_by_label(header, exact=True).select_option(field)
    shot(page, "upload-mapping")
    page.get_by_role("button", name="Start processing").click()

    progress = page.locator("#upload-progress")
    expect(progress).to_contain_text("3 of 3 rows", timeout=30_000)
    expect(progress.locator(".stat-good .stat-value")).to_have_text("2")
    shot(page, "upload-report")

    leads = Lead.objects.filter(supplier=supplier_a.organization)
    assert sorted(leads.values_list("external_id", flat=True)) == ["u-1", "u-2", "u-3"]
    assert leads.filter(status="rejected").count() == 1
