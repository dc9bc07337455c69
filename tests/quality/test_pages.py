"""Quality's pages: returns for both sides, the dispute queue, supplier standing,
the public supplier page and the supplier's own rating."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.models import Lead, LeadStatus, Organization
from quality.models import Dispute, Evidence, Return, ReturnStatus, StandingEvent
from quality.services import return_contest, return_request
from quality.services.rating import ratings_recompute_all
from tests.quality.helpers import lead_make, sale_make

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 call log"


def _contested(buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret = return_request(
        buyer=buyer,
        sale_id=sale.pk,
        reason="fake",
        comment="Nobody by that name",
        evidence_note="Called twice",
        evidence_file=SimpleUploadedFile("log.pdf", PDF),
    )
    return_contest(supplier=supplier, return_id=ret.pk, comment="She asked for a loan")
    return ret


def test_buyer_requests_a_return_from_the_page(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    client = buyer_a.browser()
    url = f"/quality/purchases/{sale.pk}/return/"

    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "wrong_person", "comment": "Not him"})

    assert response.status_code == 302
    assert Return.objects.get(sale=sale).comment == "Not him"


def test_return_page_shows_form_errors_and_stores_nothing(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    client = buyer_a.browser()
    url = f"/quality/purchases/{sale.pk}/return/"

    bad_reason = client.post(url, {"reason": "nope"})
    bad_file = client.post(
        url, {"reason": "fake", "evidence_file": SimpleUploadedFile("x.png", b"not png")}
    )

    assert bad_reason.status_code == 400
    assert bad_file.status_code == 400
    assert "Not a real .png file" in bad_file.content.decode()
    assert not Return.objects.exists()


def test_an_empty_return_form_says_what_is_missing(buyer_a, buyer, supplier):
    sale = sale_make(buyer, supplier)

    response = buyer_a.browser().post(f"/quality/purchases/{sale.pk}/return/", {})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Return.objects.exists()


def test_another_buyer_cannot_open_the_return_page(buyer_b, buyer, supplier):
    sale = sale_make(buyer, supplier)
    assert buyer_b.browser().get(f"/quality/purchases/{sale.pk}/return/").status_code == 404


def test_supplier_answers_from_the_returns_page(buyer_a, supplier_a, buyer, supplier):
    first = return_request(
        buyer=buyer, sale_id=sale_make(buyer, supplier).pk, reason="wrong_person"
    )
    second = return_request(
        buyer=buyer, sale_id=sale_make(buyer, supplier).pk, reason="wrong_person"
    )
    client = supplier_a.browser()

    page = client.get("/quality/returns/")
    assert page.status_code == 200
    assert f"/quality/returns/{first.pk}/accept/" in page.content.decode()
    assert "/accept/" not in buyer_a.browser().get("/quality/returns/").content.decode()

    client.post(f"/quality/returns/{first.pk}/accept/")
    client.post(
        f"/quality/returns/{second.pk}/contest/",
        {"comment": "Real person", "evidence_file": SimpleUploadedFile("c.txt", b"call 3 min")},
    )

    assert Return.objects.get(pk=first.pk).status == ReturnStatus.ACCEPTED
    assert Return.objects.get(pk=second.pk).status == ReturnStatus.DISPUTED
    assert Evidence.objects.get(ret=second, party="supplier").file_name == "c.txt"


def test_returns_page_names_the_lead_for_the_supplier_and_links_the_purchase_for_the_buyer(
    buyer_a, supplier_a, buyer, supplier
):
    sale = sale_make(buyer, supplier)
    return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")

    supplier_page = supplier_a.browser().get("/quality/returns/").content.decode()
    buyer_page = buyer_a.browser().get("/quality/returns/").content.decode()

    assert f"<code>{sale.lead.external_id}</code>" in supplier_page
    assert f'href="/buyers/purchases/{sale.pk}/"' in buyer_page
    assert "/buyers/purchases/" not in supplier_page


def test_accepting_a_return_asks_first_and_changes_nothing(supplier_a, buyer, supplier):
    sale = sale_make(buyer, supplier)
    ret = return_request(buyer=buyer, sale_id=sale.pk, reason="wrong_person")

    page = supplier_a.browser().get(f"/quality/returns/{ret.pk}/accept/")

    assert page.status_code == 200
    text = page.content.decode()
    assert f"Accept the return of lead {sale.lead.external_id}?" in text
    assert f"Buyer A gets {sale.price_cents // 100}." in text
    assert 'method="post"' in text
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.REQUESTED
    polish = supplier_a.browser().get(
        f"/quality/returns/{ret.pk}/accept/", HTTP_ACCEPT_LANGUAGE="pl"
    )
    assert f"Przyjąć zwrot leada {sale.lead.external_id}?" in polish.content.decode()


def test_accept_confirmation_of_an_answered_return_goes_back_to_the_list(
    supplier_a, buyer, supplier
):
    ret = return_request(buyer=buyer, sale_id=sale_make(buyer, supplier).pk, reason="wrong_person")
    return_contest(supplier=supplier, return_id=ret.pk, comment="She asked for a loan")

    response = supplier_a.browser().get(f"/quality/returns/{ret.pk}/accept/")

    assert (response.status_code, response["Location"]) == (302, "/quality/returns/")
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.DISPUTED


@pytest.mark.parametrize(
    "return_id", ["not-an-id", "00000000-0000-0000-0000-000000000000", "%00", "1' OR '1'='1"]
)
def test_accept_confirmation_of_an_unknown_return_is_404(supplier_a, return_id):
    assert supplier_a.browser().get(f"/quality/returns/{return_id}/accept/").status_code == 404


def test_only_the_returns_supplier_sees_its_accept_confirmation(
    supplier_b, buyer_a, buyer, supplier
):
    ret = return_request(buyer=buyer, sale_id=sale_make(buyer, supplier).pk, reason="wrong_person")

    assert supplier_b.browser().get(f"/quality/returns/{ret.pk}/accept/").status_code == 404
    assert buyer_a.browser().get(f"/quality/returns/{ret.pk}/accept/").status_code == 403


def test_dispute_queue_shows_both_sides_and_resolves(moderator, buyer, supplier):
    ret = _contested(buyer, supplier)
    client = moderator.browser()

    page = client.get("/quality/moderation/disputes/").content.decode()

    assert "Nobody by that name" in page
    assert "She asked for a loan" in page
    assert "Called twice" in page
    assert "log.pdf" in page
    assert "1 returns for 1 purchases" in page
    dispute = Dispute.objects.get(ret=ret)
    client.post(
        f"/quality/moderation/disputes/{dispute.pk}/resolve/",
        {"decision": "reject", "note": "Recording shows consent"},
    )
    dispute.refresh_from_db()
    assert dispute.decision == "reject"
    assert dispute.note == "Recording shows consent"
    second = client.post(
        f"/quality/moderation/disputes/{dispute.pk}/resolve/", {"decision": "refund"}, follow=True
    )
    assert "already resolved" in second.content.decode()
    dispute.refresh_from_db()
    assert dispute.decision == "reject"


def test_evidence_opens_for_both_sides_and_moderators_only(
    buyer_a, supplier_a, buyer_b, supplier_b, moderator, buyer, supplier
):
    ret = _contested(buyer, supplier)
    evidence = Evidence.objects.get(ret=ret, party="buyer")
    url = f"/quality/evidence/{evidence.pk}/"

    for actor in (buyer_a, supplier_a, moderator):
        response = actor.browser().get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    for actor in (buyer_b, supplier_b):
        assert actor.browser().get(url).status_code == 404


def test_moderator_suspends_reinstates_and_releases_held_leads(moderator, supplier):
    Organization.objects.filter(pk=supplier.pk).update(holds_new_leads=True)
    supplier.refresh_from_db()
    held = lead_make(supplier)
    assert held.status == LeadStatus.HELD
    client = moderator.browser()
    url = f"/quality/moderation/suppliers/{supplier.pk}/action/"

    client.post(url, {"action": "suspend", "reason": "Fake leads"})
    supplier.refresh_from_db()
    assert supplier.suspended_at is not None
    assert supplier.suspension_reason == "Fake leads"
    client.post(url, {"action": "suspend"})  # no reason: refused
    client.post(url, {"action": "reinstate", "reason": "Explained"})
    client.post(url, {"action": "release", "reason": "Checked"})
    client.post(url, {"action": "unhold", "reason": "Better now"})

    supplier.refresh_from_db()
    assert supplier.suspended_at is None
    assert supplier.holds_new_leads is False
    assert Lead.objects.get(pk=held.pk).status == LeadStatus.AVAILABLE
    kinds = list(
        StandingEvent.objects.filter(organization=supplier)
        .order_by("created_at")
        .values_list("kind", flat=True)
    )
    assert kinds == ["suspended", "reinstated", "leads_released", "hold_ended"]
    assert all(
        e.actor == moderator.user for e in StandingEvent.objects.filter(organization=supplier)
    )
    page = client.get(f"/quality/moderation/suppliers/{supplier.pk}/").content.decode()
    assert "Fake leads" in page


def test_public_page_and_own_rating(anonymous, supplier_a, buyer, supplier):
    for _ in range(3):
        sale_make(buyer, supplier)
    ratings_recompute_all()

    public = anonymous.get(f"/quality/suppliers/{supplier.pk}/")
    own = supplier_a.browser().get("/quality/rating/")

    assert public.status_code == 200
    assert "<polyline" in public.content.decode()
    assert own.status_code == 200
    assert "What pulls the score down" in own.content.decode()
    assert "Accepted returns" in own.content.decode()


def test_supplier_card_api(anonymous, buyer, supplier):
    sale_make(buyer, supplier)
    ratings_recompute_all()
    supplier.refresh_from_db()

    body = anonymous.get(f"/api/v1/suppliers/{supplier.pk}/").json()

    assert body["id"] == str(supplier.pk)
    assert body["name"] == supplier.name
    assert body["rating"]["score"] == supplier.rating_score
    assert body["rating"]["tier"] == supplier.rating_tier
    assert body["rating"]["leads_sold"] == 1
    assert set(body["rating"]) == {
        "score",
        "tier",
        "leads_sold",
        "return_rate",
        "dispute_loss_rate",
        "conversion_rate",
        "updated_at",
    }
    assert anonymous.get(f"/api/v1/suppliers/{buyer.pk}/").status_code == 404
    assert anonymous.get("/api/v1/suppliers/nope/").status_code == 404


def test_admin_suspends_with_a_reason_then_reinstates(moderator, supplier):
    client = moderator.browser()
    url = "/admin/quality/supplierstanding/"
    selected = {"_selected_action": [str(supplier.pk)]}

    asks = client.post(url, {**selected, "action": "suspend_selected"})
    assert asks.status_code == 200
    assert b"Reason" in asks.content
    supplier.refresh_from_db()
    assert supplier.suspended_at is None

    client.post(url, {**selected, "action": "suspend_selected", "apply": "1", "reason": "Fakes"})
    supplier.refresh_from_db()
    assert supplier.suspension_reason == "Fakes"
    client.post(url, {**selected, "action": "reinstate_selected", "apply": "1", "reason": "OK"})
    supplier.refresh_from_db()
    assert supplier.suspended_at is None
    assert list(
        StandingEvent.objects.filter(organization=supplier)
        .order_by("created_at")
        .values_list("kind", "reason")
    ) == [("suspended", "Fakes"), ("reinstated", "OK")]
