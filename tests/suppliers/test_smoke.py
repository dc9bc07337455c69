from __future__ import annotations

from tests.factories import lead_payload


def test_supplier_sends_a_lead_and_reads_it_back(supplier_a):
    api = supplier_a.api()
    response = api.post("/api/v1/leads/", lead_payload(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "available"
    listing = api.get("/api/v1/leads/").json()
    assert listing["results"][0]["phone"] == "+48601234567"
