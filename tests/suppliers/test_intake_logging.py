"""Nothing personal in logs: names, phones and emails never reach a log record."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Lead
from tests.factories import lead_payload
from tests.suppliers.helpers import BATCH_URL, post_lead

pytestmark = pytest.mark.django_db

SECRETS = ["Anna", "Kowalska", "601234567", "601 234 567", "anna.k", "anna.k@example.pl"]


def _all_logged_text(caplog) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


def _assert_nothing_personal(text: str) -> None:
    lowered = text.lower()
    for secret in SECRETS:
        assert secret.lower() not in lowered, f"{secret!r} appears in the logs"


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django.db.backends", "suppliers", "marketplace", "django.request"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_intake_logs_nothing_personal_even_the_sql(supplier_a, debug_logs):
    # the debug cursor makes Django log every SQL statement with its parameters
    with CaptureQueriesContext(connection):
        created = post_lead(supplier_a, lead_payload())
        duplicate = post_lead(supplier_a, lead_payload(external_id="again"))
        resent = post_lead(supplier_a, lead_payload())

    assert (created.status_code, duplicate.status_code, resent.status_code) == (201, 409, 200)
    text = _all_logged_text(debug_logs)
    assert "intake supplier=" in text  # the intake did log, and the SQL was captured
    assert "INSERT INTO" in text
    _assert_nothing_personal(text)


def test_refused_and_batch_leads_log_nothing_personal(supplier_a, debug_logs):
    with CaptureQueriesContext(connection):
        post_lead(supplier_a, lead_payload(external_id="bad", price="abc"))
        supplier_a.api().post(
            BATCH_URL,
            {"leads": [lead_payload(external_id="b"), {"first_name": "Anna"}]},
            format="json",
        )

    assert Lead.objects.count() == 1
    _assert_nothing_personal(_all_logged_text(debug_logs))


def test_a_server_error_logs_nothing_personal(supplier_a, debug_logs, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("storage failed")

    monkeypatch.setattr("suppliers.api.lead_submit", explode)
    client = supplier_a.api()
    client.raise_request_exception = False

    assert client.post("/api/v1/leads/", lead_payload(), format="json").status_code == 500
    text = _all_logged_text(debug_logs)
    assert "storage failed" in text
    _assert_nothing_personal(text)
