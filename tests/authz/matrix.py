"""The authorization matrix: for every route, every role and every method,
the status the project must answer.

A route registered without an entry here (or a generic admin rule) fails the
suite: whoever adds a URL decides who may use it. Statuses are for a request
with an empty body (JSON ``{}`` for the API), so 422/400 mean "allowed in,
then told what is missing".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "supplier_a", "supplier_b", "buyer_a", "buyer_b", "moderator")
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGE_METHODS = ("GET", "POST")


def roles(
    anonymous: int,
    supplier: int,
    buyer: int,
    moderator: int,
    *,
    supplier_b: int | None = None,
    buyer_b: int | None = None,
) -> dict[str, int]:
    """Expected statuses per role; ``*_b`` differ when the object belongs to A."""
    return {
        "anonymous": anonymous,
        "supplier_a": supplier,
        "supplier_b": supplier if supplier_b is None else supplier_b,
        "buyer_a": buyer,
        "buyer_b": buyer if buyer_b is None else buyer_b,
        "moderator": moderator,
    }


def everyone(status: int) -> dict[str, int]:
    return roles(status, status, status, status)


# Sessions: anonymous / signed in with an organization / a moderator.
def signed_in(anonymous: int, member: int, moderator: int | None = None) -> dict[str, int]:
    return roles(anonymous, member, member, member if moderator is None else moderator)


@dataclass(frozen=True)
class Route:
    path: str | Callable[[dict], str]
    expect: dict[str, dict[str, int]]
    methods: tuple[str, ...] = field(default=PAGE_METHODS)

    def url(self, world: dict) -> str:
        return self.path(world) if callable(self.path) else self.path


def api(path: str | Callable[[dict], str], **expect: dict[str, int]) -> Route:
    """An API route: methods not listed answer 405 to whoever may reach the view."""
    return Route(path=path, expect=expect, methods=API_METHODS)


def not_allowed_for(allowed_view: dict[str, int]) -> dict[str, int]:
    """405 for roles that pass authentication and permissions; the others keep their 401/403."""
    return {
        role: (405 if status < 400 or status == 422 else status)
        for role, status in allowed_view.items()
    }


def payout_of_a(world: dict) -> str:
    """A requested payout of supplier A (made on first use: the world fixture has no
    payable money)."""
    if "payout_of_a" not in world:
        from billing.models import AccountKind
        from billing.services import adjustment_post
        from billing.services.payouts import payout_request

        supplier = world["supplier_a"].organization
        adjustment_post(
            organization=supplier,
            amount_cents=5_000,
            reason="Matrix world",
            account_kind=AccountKind.SUPPLIER_PAYABLE,
        )
        world["payout_of_a"] = str(payout_request(organization=supplier).pk)
    return world["payout_of_a"]


def this_month() -> str:
    from billing.services.statements import current_month

    return current_month().strftime("%Y-%m")


def topup_of_a(world: dict) -> str:
    """A top-up of buyer A waiting for payment (a row only: no Stripe call)."""
    if "topup_of_a" not in world:
        from billing.models import TopUp

        buyer = world["buyer_a"].organization
        world["topup_of_a"] = str(
            TopUp.objects.create(organization=buyer, amount_cents=10_00, currency="USD").pk
        )
    return world["topup_of_a"]


def purchase_of_a(world: dict) -> str:
    """A pay-per-lead purchase of buyer A (of a lead made for it, on first use)."""
    if "purchase_of_a" not in world:
        from buyers.services import purchase_create
        from suppliers.services import lead_submit
        from tests.factories import lead_payload

        lead = lead_submit(
            supplier=world["supplier_b"].organization,
            payload=lead_payload(
                external_id="matrix-purchase", phone="+48 602 345 678", email="bought@example.pl"
            ),
        ).lead
        sale = purchase_create(
            buyer=world["buyer_a"].organization, lead_id=lead.pk, billing_model="cpl"
        )
        world["purchase_of_a"] = str(sale.pk)
    return world["purchase_of_a"]


def upload_of_a(world: dict) -> str:
    """A file of supplier A waiting for its column mapping (stored in a temporary folder)."""
    if "upload_of_a" not in world:
        import tempfile

        from django.test import override_settings

        from suppliers.uploads.services import upload_create

        content = b"first_name,phone\r\nAnna,+48 601 234 567\r\n"
        with override_settings(UPLOADS_DIR=tempfile.mkdtemp(prefix="matrix-uploads-")):
            upload = upload_create(
                supplier=world["supplier_a"].organization,
                segment_slug="loans",
                chunks=[content],
                original_name="matrix.csv",
                await_mapping=True,
            )
        world["upload_of_a"] = str(upload.pk)
    return world["upload_of_a"]


def _quality_sale(world: dict, name: str):
    """A pay-per-lead sale of one of supplier A's leads to buyer A, charged."""
    from billing.services import cpl_charge
    from suppliers.services import lead_submit
    from tests.factories import SaleFactory, lead_payload

    number = 700 + len([key for key in world if key.startswith("quality_")])
    lead = lead_submit(
        supplier=world["supplier_a"].organization,
        payload=lead_payload(
            external_id=f"matrix-{name}",
            phone=f"+48 601 234 {number}",
            email=f"{name}@example.pl",
        ),
    ).lead
    buyer = world["buyer_a"].organization
    sale = SaleFactory(lead=lead, buyer=buyer)
    cpl_charge(
        buyer=buyer,
        supplier=lead.supplier,
        sale_id=sale.pk,
        price_cents=sale.price_cents,
        commission_percent=sale.commission_percent,
    )
    world[f"quality_{name}"] = sale
    return sale


def sale_of_a(world: dict) -> str:
    """Buyer A's purchase of supplier A's lead, with no return yet."""
    if "quality_sale" not in world:
        _quality_sale(world, "sale")
    return str(world["quality_sale"].pk)


def return_of_a(world: dict) -> str:
    """A return buyer A asked for, against supplier A's lead, waiting for an answer."""
    if "quality_return" not in world:
        from quality.services import return_request

        sale = _quality_sale(world, "returned")
        world["quality_return"] = return_request(
            buyer=world["buyer_a"].organization, sale_id=sale.pk, reason="wrong_person"
        )
    return str(world["quality_return"].pk)


def dispute_of_a(world: dict) -> str:
    """Supplier A contested buyer A's return: an open dispute."""
    if "quality_dispute" not in world:
        from quality.services import return_contest, return_request

        sale = _quality_sale(world, "disputed")
        buyer, supplier = world["buyer_a"].organization, world["supplier_a"].organization
        ret = return_request(buyer=buyer, sale_id=sale.pk, reason="fake")
        return_contest(supplier=supplier, return_id=ret.pk, comment="It is real")
        ret.refresh_from_db()
        world["quality_dispute"] = ret.dispute
    return str(world["quality_dispute"].pk)


def evidence_of_a(world: dict) -> str:
    """Buyer A's evidence file on its return against supplier A's lead."""
    if "quality_evidence" not in world:
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from quality.models import Evidence

        name = default_storage.save("evidence/matrix-world.txt", ContentFile(b"call log"))
        world["quality_evidence"] = Evidence.objects.create(
            ret_id=return_of_a(world), party="buyer", file=name, file_name="log.txt", size_bytes=8
        )
    return str(world["quality_evidence"].pk)


def optout_token(world: dict) -> str:
    """The link of a person's email opt-out (on first use)."""
    if "quality_optout_token" not in world:
        from quality.services.optout import optout_request

        world["quality_optout_token"] = optout_request(email="someone@example.org")[1]
    return world["quality_optout_token"]


def optout_by_phone(world: dict) -> str:
    """A phone opt-out waiting for a moderator."""
    if "quality_optout_phone" not in world:
        from quality.services.optout import optout_request

        world["quality_optout_phone"] = str(optout_request(phone="+48 601 555 444")[0].pk)
    return world["quality_optout_phone"]


# Billing pages: members of an organization; a moderator acts for none (sent to create one).
MEMBER_PAGE = {"GET": roles(302, 200, 200, 302), "POST": roles(302, 405, 405, 302)}
# Staff pages: sign in first, 403 for organizations.
STAFF_GET = roles(302, 403, 403, 200)
STAFF_ACTION = {"GET": roles(302, 403, 403, 405), "POST": roles(302, 403, 403, 302)}
# A moderator's form with a required field: an empty POST is the page again with the
# field's error (400).
STAFF_FORM = {"GET": roles(302, 403, 403, 405), "POST": roles(302, 403, 403, 400)}
MODERATOR_API_GET = roles(401, 403, 403, 405)


SUPPLIER_ONLY_READ = roles(401, 200, 403, 403)
SUPPLIER_ONLY_WRITE = roles(401, 422, 403, 403)
# Any organization's own data; a moderator acts for no organization.
ORGANIZATION_READ = roles(401, 200, 200, 403)
BUYER_ONLY_READ = roles(401, 403, 200, 403)

MATRIX: dict[str, Route] = {
    # --- API -----------------------------------------------------------------
    "api:segment-list": api(
        "/api/v1/segments/",
        GET=everyone(200),
        POST=everyone(405),
        PUT=everyone(405),
        PATCH=everyone(405),
        DELETE=everyone(405),
    ),
    "api:lead-list": api(
        "/api/v1/leads/",
        GET=SUPPLIER_ONLY_READ,
        POST=SUPPLIER_ONLY_WRITE,
        PUT=not_allowed_for(SUPPLIER_ONLY_READ),
        PATCH=not_allowed_for(SUPPLIER_ONLY_READ),
        DELETE=not_allowed_for(SUPPLIER_ONLY_READ),
    ),
    "api:lead-batch": api(
        "/api/v1/leads/batch/",
        GET=not_allowed_for(SUPPLIER_ONLY_READ),
        POST=SUPPLIER_ONLY_WRITE,
        PUT=not_allowed_for(SUPPLIER_ONLY_READ),
        PATCH=not_allowed_for(SUPPLIER_ONLY_READ),
        DELETE=not_allowed_for(SUPPLIER_ONLY_READ),
    ),
    "api:wallet": api(
        "/api/v1/wallet/",
        GET=ORGANIZATION_READ,
        POST=not_allowed_for(ORGANIZATION_READ),
        PUT=not_allowed_for(ORGANIZATION_READ),
        PATCH=not_allowed_for(ORGANIZATION_READ),
        DELETE=not_allowed_for(ORGANIZATION_READ),
    ),
    "api:wallet-transactions": api(
        "/api/v1/wallet/transactions/",
        GET=ORGANIZATION_READ,
        POST=not_allowed_for(ORGANIZATION_READ),
        PUT=not_allowed_for(ORGANIZATION_READ),
        PATCH=not_allowed_for(ORGANIZATION_READ),
        DELETE=not_allowed_for(ORGANIZATION_READ),
    ),
    "api:schema": api(
        "/api/v1/schema/",
        GET=everyone(200),
        POST=everyone(405),
        PUT=everyone(405),
        PATCH=everyone(405),
        DELETE=everyone(405),
    ),
    "api:docs": api(
        "/api/v1/docs/",
        GET=everyone(200),
        POST=everyone(405),
        PUT=everyone(405),
        PATCH=everyone(405),
        DELETE=everyone(405),
    ),
    "api:not-found": api(
        "/api/v1/no-such-endpoint/",
        GET=everyone(404),
        POST=everyone(404),
        PUT=everyone(404),
        PATCH=everyone(404),
        DELETE=everyone(404),
    ),
    # --- the catalog: buyers only (a moderator acts for no organization) ---------------
    "api:catalog-lead-list": api(
        "/api/v1/marketplace/leads/",
        GET=roles(401, 403, 200, 403),
        POST=not_allowed_for(roles(401, 403, 200, 403)),
        PUT=not_allowed_for(roles(401, 403, 200, 403)),
        PATCH=not_allowed_for(roles(401, 403, 200, 403)),
        DELETE=not_allowed_for(roles(401, 403, 200, 403)),
    ),
    "catalog": Route(
        "/marketplace/",
        {"GET": roles(302, 403, 200, 302), "POST": roles(302, 405, 405, 302)},
    ),
    # --- accounts (allauth) ----------------------------------------------------------
    # Signed-in people are sent away from sign-in and sign-up; pages about one's
    # own account send anonymous people to sign in (302).
    "account_login": Route(
        "/accounts/login/", {"GET": signed_in(200, 302), "POST": signed_in(200, 302)}
    ),
    "account_signup": Route(
        "/accounts/signup/", {"GET": signed_in(200, 302), "POST": signed_in(200, 302)}
    ),
    "account_logout": Route(
        "/accounts/logout/", {"GET": signed_in(302, 200), "POST": everyone(302)}
    ),
    "account_inactive": Route("/accounts/inactive/", {"GET": everyone(200), "POST": everyone(405)}),
    "account_reauthenticate": Route(
        "/accounts/reauthenticate/", {"GET": signed_in(302, 200), "POST": signed_in(302, 200)}
    ),
    "account_email": Route("/accounts/email/", {"GET": signed_in(302, 200), "POST": everyone(302)}),
    "account_email_verification_sent": Route(
        "/accounts/confirm-email/", {"GET": everyone(200), "POST": everyone(405)}
    ),
    "account_confirm_email": Route(
        "/accounts/confirm-email/not-a-real-key/", {"GET": everyone(200), "POST": everyone(404)}
    ),
    "account_change_password": Route(
        "/accounts/password/change/", {"GET": signed_in(302, 200), "POST": signed_in(302, 200)}
    ),
    # Everyone in the cast has a password, so "set password" sends them to "change".
    "account_set_password": Route(
        "/accounts/password/set/", {"GET": everyone(302), "POST": everyone(302)}
    ),
    "account_reset_password": Route(
        "/accounts/password/reset/", {"GET": everyone(200), "POST": everyone(200)}
    ),
    "account_reset_password_done": Route(
        "/accounts/password/reset/done/", {"GET": everyone(200), "POST": everyone(405)}
    ),
    "account_reset_password_from_key": Route(
        "/accounts/password/reset/key/1-not-a-real-key/",
        {"GET": everyone(200), "POST": everyone(200)},
    ),
    "account_reset_password_from_key_done": Route(
        "/accounts/password/reset/key/done/", {"GET": everyone(200), "POST": everyone(405)}
    ),
    # Login by code is not enabled: the page sends everyone back.
    "account_confirm_login_code": Route(
        "/accounts/login/code/confirm/", {"GET": everyone(302), "POST": everyone(302)}
    ),
    # --- two-factor authentication (allauth.mfa) ---------------------------------------
    "mfa_index": Route("/accounts/2fa/", {"GET": signed_in(302, 200), "POST": signed_in(302, 405)}),
    # Without a login in progress there is nothing to authenticate.
    "mfa_authenticate": Route(
        "/accounts/2fa/authenticate/", {"GET": everyone(302), "POST": everyone(302)}
    ),
    "mfa_reauthenticate": Route(
        "/accounts/2fa/reauthenticate/", {"GET": everyone(302), "POST": everyone(302)}
    ),
    # Activating TOTP first asks for the password again (reauthentication).
    "mfa_activate_totp": Route(
        "/accounts/2fa/totp/activate/", {"GET": everyone(302), "POST": everyone(302)}
    ),
    # The cast has no authenticators: nothing to deactivate or show.
    "mfa_deactivate_totp": Route(
        "/accounts/2fa/totp/deactivate/", {"GET": signed_in(302, 404), "POST": signed_in(302, 404)}
    ),
    "mfa_view_recovery_codes": Route(
        "/accounts/2fa/recovery-codes/", {"GET": signed_in(302, 404), "POST": signed_in(302, 405)}
    ),
    "mfa_generate_recovery_codes": Route(
        "/accounts/2fa/recovery-codes/generate/", {"GET": everyone(302), "POST": everyone(302)}
    ),
    "mfa_download_recovery_codes": Route(
        "/accounts/2fa/recovery-codes/download/",
        {"GET": signed_in(302, 404), "POST": signed_in(302, 404)},
    ),
    # --- pages -------------------------------------------------------------------
    "home": Route("/", {"GET": signed_in(200, 302), "POST": everyone(405)}),
    "dashboard": Route("/dashboard/", {"GET": signed_in(302, 200), "POST": signed_in(302, 405)}),
    # --- organizations (objects in the paths belong to supplier A) -----------------
    # Form pages answer 400 with the form's errors for an empty POST.
    "organization_create": Route(
        "/organizations/new/", {"GET": signed_in(302, 200), "POST": signed_in(302, 400)}
    ),
    "organization_switch": Route(
        "/organizations/switch/", {"GET": signed_in(302, 405), "POST": signed_in(302, 400)}
    ),
    "organization_settings": Route(
        "/organization/", {"GET": roles(302, 200, 200, 302), "POST": roles(302, 405, 405, 302)}
    ),
    "organization_update": Route(
        "/organization/details/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 400, 400, 302)},
    ),
    "invitation_create": Route(
        "/organization/invitations/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 400, 400, 302)},
    ),
    "invitation_revoke": Route(
        lambda world: f"/organization/invitations/{world['invitation'].pk}/revoke/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 302, 404, 302, supplier_b=404)},
    ),
    "member_remove": Route(
        lambda world: f"/organization/members/{world['member_of_a'].pk}/remove/",
        {
            "GET": roles(302, 200, 404, 302, supplier_b=404),
            "POST": roles(302, 302, 404, 302, supplier_b=404),
        },
    ),
    "api_key_list": Route(
        "/organization/api-keys/",
        {"GET": roles(302, 200, 200, 302), "POST": roles(302, 405, 405, 302)},
    ),
    "api_key_create": Route(
        "/organization/api-keys/new/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 400, 400, 302)},
    ),
    "api_key_revoke": Route(
        lambda world: f"/organization/api-keys/{world['spare_key_of_a'].pk}/revoke/",
        {
            "GET": roles(302, 200, 404, 302, supplier_b=404),
            "POST": roles(302, 302, 404, 302, supplier_b=404),
        },
    ),
    # An invitation addressed to someone else: only its addressee may accept it.
    "invitation_accept": Route(
        lambda world: f"/invitations/{world['invitation_token']}/",
        {"GET": roles(200, 403, 403, 403), "POST": roles(302, 403, 403, 403)},
    ),
    "set_language": Route("/i18n/setlang/", {"GET": everyone(302), "POST": everyone(302)}),
    # --- billing: payouts (API) -------------------------------------------------------
    # Supplier A has no payable money in the world: a request is 402.
    "api:payout-list": api(
        "/api/v1/payouts/",
        GET=SUPPLIER_ONLY_READ,
        POST=roles(401, 402, 403, 403),
        PUT=not_allowed_for(SUPPLIER_ONLY_READ),
        PATCH=not_allowed_for(SUPPLIER_ONLY_READ),
        DELETE=not_allowed_for(SUPPLIER_ONLY_READ),
    ),
    "api:moderation-payout-approve": api(
        lambda world: f"/api/v1/moderation/payouts/{payout_of_a(world)}/approve/",
        GET=MODERATOR_API_GET,
        POST=roles(401, 403, 403, 200),
        PUT=MODERATOR_API_GET,
        PATCH=MODERATOR_API_GET,
        DELETE=MODERATOR_API_GET,
    ),
    "api:moderation-payout-reject": api(
        lambda world: f"/api/v1/moderation/payouts/{payout_of_a(world)}/reject/",
        GET=MODERATOR_API_GET,
        POST=roles(401, 403, 403, 200),
        PUT=MODERATOR_API_GET,
        PATCH=MODERATOR_API_GET,
        DELETE=MODERATOR_API_GET,
    ),
    # An empty body has no bank reference: 422.
    "api:moderation-payout-mark-paid": api(
        lambda world: f"/api/v1/moderation/payouts/{payout_of_a(world)}/mark-paid/",
        GET=MODERATOR_API_GET,
        POST=roles(401, 403, 403, 422),
        PUT=MODERATOR_API_GET,
        PATCH=MODERATOR_API_GET,
        DELETE=MODERATOR_API_GET,
    ),
    # --- billing: pages ----------------------------------------------------------------
    "billing:payout_list": Route(
        "/billing/payouts/",
        {"GET": roles(302, 200, 403, 302), "POST": roles(302, 405, 405, 302)},
    ),
    # An empty form asks for the whole payable balance: none in the world, so 400.
    "billing:payout_request": Route(
        "/billing/payouts/request/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 400, 403, 302)},
    ),
    "billing:statement_index": Route("/billing/statements/", MEMBER_PAGE),
    "billing:statement_detail": Route(
        lambda world: f"/billing/statements/{this_month()}/", MEMBER_PAGE
    ),
    "billing:statement_download": Route(
        lambda world: f"/billing/statements/{this_month()}.csv", MEMBER_PAGE
    ),
    "billing:moderation_payouts": Route(
        "/billing/moderation/payouts/",
        {"GET": STAFF_GET, "POST": roles(302, 403, 403, 405)},
    ),
    "billing:moderation_payout_approve": Route(
        lambda world: f"/billing/moderation/payouts/{payout_of_a(world)}/approve/", STAFF_ACTION
    ),
    "billing:moderation_payout_reject": Route(
        lambda world: f"/billing/moderation/payouts/{payout_of_a(world)}/reject/", STAFF_ACTION
    ),
    "billing:moderation_payout_mark_paid": Route(
        lambda world: f"/billing/moderation/payouts/{payout_of_a(world)}/mark-paid/", STAFF_FORM
    ),
    # An empty form: the field errors, 400.
    "billing:moderation_adjustments": Route(
        "/billing/moderation/adjustments/",
        {"GET": STAFF_GET, "POST": roles(302, 403, 403, 400)},
    ),
    # --- billing: Stripe top-ups ------------------------------------------------------
    # Buyers list their top-ups; an empty body has no amount: 422 before Stripe is called.
    "api:wallet-topups": api(
        "/api/v1/wallet/topups/",
        GET=roles(401, 403, 200, 403),
        POST=roles(401, 403, 422, 403),
        PUT=not_allowed_for(roles(401, 403, 422, 403)),
        PATCH=not_allowed_for(roles(401, 403, 422, 403)),
        DELETE=not_allowed_for(roles(401, 403, 422, 403)),
    ),
    # Buyers only; an empty form is 400 with the field's error.
    "billing:topup": Route(
        "/billing/topups/",
        {"GET": roles(302, 403, 200, 302), "POST": roles(302, 403, 400, 302)},
    ),
    "billing:topup_detail": Route(
        lambda world: f"/billing/topups/{topup_of_a(world)}/",
        {"GET": roles(302, 403, 200, 302, buyer_b=404), "POST": roles(302, 405, 405, 302)},
    ),
    # Stripe's webhook: no session, no CSRF; an unsigned POST is 400 for anyone.
    "billing:stripe_webhook": Route(
        "/billing/stripe/webhook/", {"GET": everyone(405), "POST": everyone(400)}
    ),
    # --- buyers: purchases (API) ---------------------------------------------------------
    # An empty body has no billing_model: 422 for buyers.
    "api:marketplace-lead-purchase": api(
        lambda world: f"/api/v1/marketplace/leads/{world['lead_a'].pk}/purchase/",
        GET=not_allowed_for(BUYER_ONLY_READ),
        POST=roles(401, 403, 422, 403),
        PUT=not_allowed_for(BUYER_ONLY_READ),
        PATCH=not_allowed_for(BUYER_ONLY_READ),
        DELETE=not_allowed_for(BUYER_ONLY_READ),
    ),
    "api:purchase-list": api(
        "/api/v1/purchases/",
        GET=BUYER_ONLY_READ,
        POST=not_allowed_for(BUYER_ONLY_READ),
        PUT=not_allowed_for(BUYER_ONLY_READ),
        PATCH=not_allowed_for(BUYER_ONLY_READ),
        DELETE=not_allowed_for(BUYER_ONLY_READ),
    ),
    "api:purchase-export": api(
        "/api/v1/purchases/export.csv",
        GET=BUYER_ONLY_READ,
        POST=not_allowed_for(BUYER_ONLY_READ),
        PUT=not_allowed_for(BUYER_ONLY_READ),
        PATCH=not_allowed_for(BUYER_ONLY_READ),
        DELETE=not_allowed_for(BUYER_ONLY_READ),
    ),
    # Buyer A's purchase: buyer B is told it does not exist; an empty PATCH is 422.
    "api:purchase-detail": api(
        lambda world: f"/api/v1/purchases/{purchase_of_a(world)}/",
        GET=roles(401, 403, 200, 403, buyer_b=404),
        POST=not_allowed_for(BUYER_ONLY_READ),
        PUT=not_allowed_for(BUYER_ONLY_READ),
        PATCH=roles(401, 403, 422, 403, buyer_b=404),
        DELETE=not_allowed_for(BUYER_ONLY_READ),
    ),
    "api:purchase-actions": api(
        lambda world: f"/api/v1/purchases/{purchase_of_a(world)}/actions/",
        GET=not_allowed_for(BUYER_ONLY_READ),
        POST=roles(401, 403, 422, 403, buyer_b=404),
        PUT=not_allowed_for(BUYER_ONLY_READ),
        PATCH=not_allowed_for(BUYER_ONLY_READ),
        DELETE=not_allowed_for(BUYER_ONLY_READ),
    ),
    # --- buyers: pages -------------------------------------------------------------------
    "buyers:purchase_list": Route(
        "/buyers/purchases/",
        {"GET": roles(302, 403, 200, 302), "POST": roles(302, 405, 405, 302)},
    ),
    "buyers:purchase_detail": Route(
        lambda world: f"/buyers/purchases/{purchase_of_a(world)}/",
        {"GET": roles(302, 403, 200, 302, buyer_b=404), "POST": roles(302, 405, 405, 302)},
    ),
    # An empty outcome form is the page again with its field's error (400); an empty
    # action form reports the (pay-per-lead) conversion and redirects.
    "buyers:purchase_outcome": Route(
        lambda world: f"/buyers/purchases/{purchase_of_a(world)}/outcome/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 403, 400, 302, buyer_b=404)},
    ),
    "buyers:purchase_action": Route(
        lambda world: f"/buyers/purchases/{purchase_of_a(world)}/action/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 403, 302, 302, buyer_b=404)},
    ),
    # An empty buy form (no billing model) is the buy form with its field's error (400).
    "buyers:purchase_buy": Route(
        lambda world: f"/buyers/leads/{world['lead_a'].pk}/buy/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 403, 400, 302)},
    ),
    # --- suppliers: uploads ---------------------------------------------------------------
    # An empty JSON body has no file: 422. Another supplier's upload is not found (404).
    "api:upload-list": api(
        "/api/v1/uploads/",
        GET=SUPPLIER_ONLY_READ,
        POST=SUPPLIER_ONLY_WRITE,
        PUT=not_allowed_for(SUPPLIER_ONLY_READ),
        PATCH=not_allowed_for(SUPPLIER_ONLY_READ),
        DELETE=not_allowed_for(SUPPLIER_ONLY_READ),
    ),
    "api:upload-detail": api(
        lambda world: f"/api/v1/uploads/{upload_of_a(world)}/",
        GET=roles(401, 200, 403, 403, supplier_b=404),
        POST=not_allowed_for(SUPPLIER_ONLY_READ),
        PUT=not_allowed_for(SUPPLIER_ONLY_READ),
        PATCH=not_allowed_for(SUPPLIER_ONLY_READ),
        DELETE=not_allowed_for(SUPPLIER_ONLY_READ),
    ),
    "api:upload-errors": api(
        lambda world: f"/api/v1/uploads/{upload_of_a(world)}/errors.csv",
        GET=roles(401, 200, 403, 403, supplier_b=404),
        POST=not_allowed_for(SUPPLIER_ONLY_READ),
        PUT=not_allowed_for(SUPPLIER_ONLY_READ),
        PATCH=not_allowed_for(SUPPLIER_ONLY_READ),
        DELETE=not_allowed_for(SUPPLIER_ONLY_READ),
    ),
    # Supplier pages: buyers 403; a moderator acts for no organization (sent to create one).
    # An empty upload form is 400 with its errors.
    "suppliers:upload_list": Route(
        "/suppliers/uploads/",
        {"GET": roles(302, 200, 403, 302), "POST": roles(302, 400, 403, 302)},
    ),
    "suppliers:upload_detail": Route(
        lambda world: f"/suppliers/uploads/{upload_of_a(world)}/",
        {"GET": roles(302, 200, 403, 302, supplier_b=404), "POST": roles(302, 405, 405, 302)},
    ),
    # An empty mapping maps no required column: 400 with the message.
    "suppliers:upload_mapping": Route(
        lambda world: f"/suppliers/uploads/{upload_of_a(world)}/columns/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 400, 403, 302, supplier_b=404)},
    ),
    "suppliers:upload_progress": Route(
        lambda world: f"/suppliers/uploads/{upload_of_a(world)}/progress/",
        {"GET": roles(302, 200, 403, 302, supplier_b=404), "POST": roles(302, 405, 405, 302)},
    ),
    # --- quality: returns, disputes, supplier card (API) ----------------------------------
    # An empty body has no reason: 422 for the purchase's buyer, 404 for another buyer.
    "api:purchase-returns": api(
        lambda world: f"/api/v1/purchases/{sale_of_a(world)}/returns/",
        GET=roles(401, 403, 405, 403),
        POST=roles(401, 403, 422, 403, buyer_b=404),
        PUT=roles(401, 403, 405, 403),
        PATCH=roles(401, 403, 405, 403),
        DELETE=roles(401, 403, 405, 403),
    ),
    "api:return-list": api(
        "/api/v1/returns/",
        GET=ORGANIZATION_READ,
        POST=not_allowed_for(ORGANIZATION_READ),
        PUT=not_allowed_for(ORGANIZATION_READ),
        PATCH=not_allowed_for(ORGANIZATION_READ),
        DELETE=not_allowed_for(ORGANIZATION_READ),
    ),
    # Supplier A accepts its return (200); supplier B cannot see it.
    "api:return-accept": api(
        lambda world: f"/api/v1/returns/{return_of_a(world)}/accept/",
        GET=roles(401, 405, 403, 403),
        POST=roles(401, 200, 403, 403, supplier_b=404),
        PUT=roles(401, 405, 403, 403),
        PATCH=roles(401, 405, 403, 403),
        DELETE=roles(401, 405, 403, 403),
    ),
    # An empty body has no comment: 422 for supplier A.
    "api:return-contest": api(
        lambda world: f"/api/v1/returns/{return_of_a(world)}/contest/",
        GET=roles(401, 405, 403, 403),
        POST=roles(401, 422, 403, 403, supplier_b=404),
        PUT=roles(401, 405, 403, 403),
        PATCH=roles(401, 405, 403, 403),
        DELETE=roles(401, 405, 403, 403),
    ),
    # An empty body has no decision: 422.
    "api:moderation-dispute-resolve": api(
        lambda world: f"/api/v1/moderation/disputes/{dispute_of_a(world)}/resolve/",
        GET=MODERATOR_API_GET,
        POST=roles(401, 403, 403, 422),
        PUT=MODERATOR_API_GET,
        PATCH=MODERATOR_API_GET,
        DELETE=MODERATOR_API_GET,
    ),
    # The supplier card is public.
    "api:supplier-card": api(
        lambda world: f"/api/v1/suppliers/{world['supplier_a'].organization.pk}/",
        GET=everyone(200),
        POST=everyone(405),
        PUT=everyone(405),
        PATCH=everyone(405),
        DELETE=everyone(405),
    ),
    # --- quality: pages --------------------------------------------------------------------
    "quality:return_list": Route("/quality/returns/", MEMBER_PAGE),
    "quality:return_accept": Route(
        lambda world: f"/quality/returns/{return_of_a(world)}/accept/",
        {
            "GET": roles(302, 200, 403, 302, supplier_b=404),
            "POST": roles(302, 302, 403, 302, supplier_b=404),
        },
    ),
    # An empty contest form is the returns page again, the error in the return's row (400).
    "quality:return_contest": Route(
        lambda world: f"/quality/returns/{return_of_a(world)}/contest/",
        {"GET": roles(302, 405, 405, 302), "POST": roles(302, 400, 403, 302, supplier_b=404)},
    ),
    "quality:return_request": Route(
        lambda world: f"/quality/purchases/{sale_of_a(world)}/return/",
        {
            "GET": roles(302, 403, 200, 302, buyer_b=404),
            "POST": roles(302, 403, 400, 302, buyer_b=404),
        },
    ),
    "quality:evidence_download": Route(
        lambda world: f"/quality/evidence/{evidence_of_a(world)}/",
        {
            "GET": roles(302, 200, 200, 200, supplier_b=404, buyer_b=404),
            "POST": roles(405, 405, 405, 405),
        },
    ),
    "quality:dispute_queue": Route(
        "/quality/moderation/disputes/", {"GET": STAFF_GET, "POST": roles(302, 403, 403, 405)}
    ),
    "quality:dispute_resolve": Route(
        lambda world: f"/quality/moderation/disputes/{dispute_of_a(world)}/resolve/",
        STAFF_FORM,
    ),
    "quality:supplier_standing": Route(
        lambda world: f"/quality/moderation/suppliers/{world['supplier_a'].organization.pk}/",
        {"GET": STAFF_GET, "POST": roles(302, 403, 403, 405)},
    ),
    "quality:supplier_standing_action": Route(
        lambda world: (
            f"/quality/moderation/suppliers/{world['supplier_a'].organization.pk}/action/"
        ),
        STAFF_FORM,
    ),
    # Public: anyone sees a supplier's rating before buying.
    "quality:supplier_public": Route(
        lambda world: f"/quality/suppliers/{world['supplier_a'].organization.pk}/",
        {"GET": everyone(200), "POST": everyone(405)},
    ),
    "quality:my_rating": Route(
        "/quality/rating/",
        {"GET": roles(302, 200, 403, 302), "POST": roles(302, 405, 405, 302)},
    ),
    # The public opt-out page: an empty form is 400 for anyone.
    "quality:optout": Route("/quality/opt-out/", {"GET": everyone(200), "POST": everyone(400)}),
    # The link works once: the first POST (anonymous) erases, the rest find it used.
    "quality:optout_confirm": Route(
        lambda world: f"/quality/opt-out/confirm/{optout_token(world)}/",
        {
            "GET": everyone(200),
            "POST": {**everyone(404), "anonymous": 200},
        },
    ),
    "quality:optout_queue": Route(
        "/quality/moderation/opt-outs/", {"GET": STAFF_GET, "POST": roles(302, 403, 403, 405)}
    ),
    "quality:optout_process": Route(
        lambda world: f"/quality/moderation/opt-outs/{optout_by_phone(world)}/process/",
        STAFF_ACTION,
    ),
}
