"""Every registered route, for every role and every method, answers as the matrix says.

Set AUTHZ_RECORD=1 to print what each route actually answers (to write a new
entry); the test still fails until the entry exists and matches.
"""

from __future__ import annotations

import os
import re

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from billing.services import adjustment_post
from marketplace.models import Membership
from marketplace.services.api_keys import api_key_create
from marketplace.services.flags import flag_raise
from marketplace.services.organizations import invitation_create, user_create
from suppliers.services import lead_submit
from suppliers.suppression import suppression_add
from tests.authz.matrix import MATRIX, PAGE_METHODS, ROLES, Route
from tests.authz.routes import registered_routes
from tests.factories import lead_payload

# What moderators (staff, not superusers) may do in the admin, per model.
ADMIN_MODEL_ACCESS: dict[str, frozenset[str]] = {
    "marketplace.segment": frozenset({"view", "add", "change"}),
    "marketplace.organization": frozenset({"view"}),
    "marketplace.lead": frozenset({"view"}),
    "marketplace.apikey": frozenset({"view"}),
    "marketplace.invitation": frozenset({"view"}),
    "marketplace.user": frozenset({"view"}),
    "marketplace.suppression": frozenset({"view", "add", "delete"}),
    "marketplace.moderationflag": frozenset({"view"}),
    "billing.account": frozenset({"view"}),
    "billing.transaction": frozenset({"view"}),
    "billing.topup": frozenset({"view"}),
    "billing.stripeevent": frozenset({"view"}),
    "billing.payout": frozenset({"view"}),
    "billing.earningshold": frozenset({"view"}),
    "billing.earningsfreeze": frozenset({"view"}),
    "quality.supplierstanding": frozenset({"view"}),
    "auth.group": frozenset(),
    "account.emailaddress": frozenset(),
    "mfa.authenticator": frozenset(),
}
_ADMIN_MODEL_ROUTE = re.compile(
    r"^admin:(?P<app>[a-z_]+)_(?P<model>[a-z0-9]+)_(?P<action>changelist|add|change|delete|history)$"
)
_NEEDS = {
    "changelist": "view",
    "add": "add",
    "change": "view",
    "delete": "delete",
    "history": "view",
}
_NEEDS_ON_POST = {**_NEEDS, "change": "change"}

_STAFF_ONLY = {
    "anonymous": 302,
    "supplier_a": 302,
    "supplier_b": 302,
    "buyer_a": 302,
    "buyer_b": 302,
}


def _admin_special(moderator_get: int, moderator_post: int) -> dict[str, dict[str, int]]:
    return {
        "GET": {**_STAFF_ONLY, "moderator": moderator_get},
        "POST": {**_STAFF_ONLY, "moderator": moderator_post},
    }


ADMIN_ROUTES: dict[str, Route] = {
    "admin:index": Route("/admin/", _admin_special(200, 200)),
    # Signed-out people go to allauth's login (rate limits, MFA); signed-in non-staff are refused.
    "admin:login": Route(
        "/admin/login/",
        {
            "GET": {
                "anonymous": 302,
                "supplier_a": 403,
                "supplier_b": 403,
                "buyer_a": 403,
                "buyer_b": 403,
                "moderator": 302,
            },
            "POST": {
                "anonymous": 302,
                "supplier_a": 403,
                "supplier_b": 403,
                "buyer_a": 403,
                "buyer_b": 403,
                "moderator": 200,
            },
        },
    ),
    "admin:logout": Route("/admin/logout/", _admin_special(405, 200)),
    "admin:password_change": Route("/admin/password_change/", _admin_special(200, 200)),
    "admin:password_change_done": Route("/admin/password_change/done/", _admin_special(200, 405)),
    "admin:autocomplete": Route("/admin/autocomplete/", _admin_special(403, 405)),
    "admin:jsi18n": Route("/admin/jsi18n/", _admin_special(200, 405)),
    "admin:view_on_site": Route(
        lambda world: f"/admin/r/{world['content_type_id']}/{world['lead_a'].pk}/",
        _admin_special(404, 404),
    ),
    "admin:app_list": Route("/admin/marketplace/", _admin_special(200, 200)),
    "/admin/(?P<url>.*)$": Route("/admin/no/such/page/", _admin_special(404, 404)),
}


def _admin_object_redirect(pattern: str) -> Route | None:
    """Django's unnamed ``<model>/<id>/`` → ``<model>/<id>/change/`` redirects."""
    match = re.match(r"^/admin/(?P<app>[a-z_]+)/(?P<model>[a-z0-9]+)/<path:object_id>/$", pattern)
    if not match:
        return None
    label = f"{match['app']}.{match['model']}"
    return Route(
        lambda world: f"/admin/{match['app']}/{match['model']}/{world['admin_objects'][label]}/",
        {"GET": {role: 302 for role in ROLES}, "POST": {role: 302 for role in ROLES}},
    )


def _admin_model_route(key: str) -> Route | None:
    match = _ADMIN_MODEL_ROUTE.match(key)
    if not match:
        return None
    label = f"{match['app']}.{match['model']}"
    access = ADMIN_MODEL_ACCESS.get(label)
    if access is None:
        return None  # a newly registered admin model without a declared access: fails below
    action = match["action"]
    base = f"/admin/{match['app']}/{match['model']}/"

    def path(world: dict) -> str:
        if action == "changelist":
            return base
        if action == "add":
            return base + "add/"
        return f"{base}{world['admin_objects'][label]}/{action}/"

    return Route(
        path,
        {
            "GET": {**_STAFF_ONLY, "moderator": 200 if _NEEDS[action] in access else 403},
            "POST": {**_STAFF_ONLY, "moderator": 200 if _NEEDS_ON_POST[action] in access else 403},
        },
    )


def route_for(key: str, pattern: str) -> Route | None:
    return (
        MATRIX.get(key)
        or ADMIN_ROUTES.get(key)
        or _admin_model_route(key)
        or (_admin_object_redirect(pattern) if key == pattern else None)
    )


ROUTES = registered_routes()


def _money_records() -> None:
    """One of each money record the admin shows read-only (a top-up, a Stripe event, an
    earnings hold, a payout), between organizations outside the cast so that no role's
    answers change."""
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import AccountKind, TopUp
    from billing.services import cpl_charge, earnings_hold_freeze
    from billing.services.holds import earnings_hold_schedule
    from billing.services.payouts import payout_request
    from billing.stripe.events import event_receive
    from marketplace.ids import new_id
    from marketplace.services.organizations import organization_create

    owner = user_create(email="money.world@example.com", password="correct-horse-battery")
    buyer = organization_create(name="World Buyer", kind="buyer", owner=owner)
    supplier = organization_create(name="World Supplier", kind="supplier", owner=owner)
    TopUp.objects.create(organization=buyer, amount_cents=10_00, currency="USD")
    event_receive({"id": "evt_world", "object": "event", "type": "x.y", "data": {"object": {}}})
    adjustment_post(organization=buyer, amount_cents=20_00, reason="Matrix world")
    sale = new_id()
    cpl_charge(buyer=buyer, supplier=supplier, sale_id=sale, price_cents=20_00)
    earnings_hold_schedule(
        sale_id=sale, supplier=supplier, release_at=timezone.now() + timedelta(days=3)
    )
    earnings_hold_freeze(sale_id=sale, reason="Matrix world")
    adjustment_post(
        organization=supplier,
        amount_cents=50_00,
        reason="Matrix world",
        account_kind=AccountKind.SUPPLIER_PAYABLE,
    )
    payout_request(organization=supplier)


@pytest.fixture
def world(cast) -> dict:
    supplier_a = cast["supplier_a"]
    lead_a = lead_submit(supplier=supplier_a.organization, payload=lead_payload()).lead
    issued = invitation_create(
        organization=supplier_a.organization,
        email="colleague@example.com",
        role="member",
        invited_by=supplier_a.user,
    )
    colleague = user_create(email="member.of.a@example.com", password="correct-horse-battery")
    member_of_a = Membership.objects.create(
        organization=supplier_a.organization, user=colleague, role="member"
    )
    spare_key = api_key_create(
        organization=supplier_a.organization, name="spare", created_by=supplier_a.user
    )
    suppression_add(kind="email", value="opted.out@example.com")
    Group.objects.create(name="Example group")
    flag_raise(organization=supplier_a.organization, code="example", message="Matrix world")
    adjustment_post(
        organization=cast["buyer_a"].organization, amount_cents=10_000, reason="Matrix world"
    )
    Authenticator.objects.create(
        user=cast["outsider"].user, type=Authenticator.Type.RECOVERY_CODES, data={}
    )
    _money_records()
    admin_objects = {}
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        first = model._default_manager.order_by("pk").first()
        assert first is not None, f"the matrix world has no {label} for its admin pages"
        admin_objects[label] = first.pk
    from django.contrib.contenttypes.models import ContentType

    return {
        **cast,
        "lead_a": lead_a,
        "invitation": issued.invitation,
        "invitation_token": issued.token,
        "member_of_a": member_of_a,
        "spare_key_of_a": spare_key.api_key,
        "admin_objects": admin_objects,
        "content_type_id": ContentType.objects.get_for_model(lead_a).pk,
    }


def _client(world: dict, role: str, *, api: bool) -> APIClient:
    client = APIClient()
    if role == "anonymous":
        return client
    actor = world[role]
    if api:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {actor.api_key}")
    else:
        client.force_login(actor.user)
    return client


def _request(client: APIClient, method: str, url: str, *, api: bool):
    call = getattr(client, method.lower())
    if method == "GET":
        return call(url)
    if api:
        return call(url, {}, format="json")
    return call(url, {})


def test_every_admin_model_has_declared_moderator_access() -> None:
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(ADMIN_MODEL_ACCESS), "declare moderators' access for each admin model"


def test_every_route_has_a_matrix_entry() -> None:
    missing = [r.key for r in ROUTES if route_for(r.key, r.pattern) is None]
    assert not missing, f"routes without an authorization matrix entry: {missing}"


@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_route_answers_each_role_as_the_matrix_says(route, world) -> None:
    entry = route_for(route.key, route.pattern)
    record = os.environ.get("AUTHZ_RECORD") == "1"
    if entry is None and not record:
        pytest.fail(f"{route.key} ({route.pattern}) has no authorization matrix entry")
    url = entry.url(world) if entry else route.pattern
    is_api = url.startswith("/api/")
    methods = entry.methods if entry else PAGE_METHODS
    mismatches = []
    actual_table: dict[str, dict[str, int]] = {}
    for method in methods:
        for role in ROLES:
            client = _client(world, role, api=is_api)
            response = _request(client, method, url, api=is_api)
            actual_table.setdefault(method, {})[role] = response.status_code
            expected = entry.expect.get(method, {}).get(role) if entry else None
            if expected != response.status_code:
                mismatches.append(
                    f"{method} {url} as {role}: expected {expected}, got {response.status_code}"
                )
    if record:
        print(f"\nAUTHZ {route.key}: {actual_table}")
    assert not mismatches, "\n".join(mismatches)
    assert apps.ready
