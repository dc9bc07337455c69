"""Operators' management commands: each prints its result alone on its last line."""

from __future__ import annotations

import re
import uuid
from io import StringIO

import phonenumbers
import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from marketplace.management.commands.seed_demo import ACCOUNTS, DEMO_PASSWORD
from marketplace.models import (
    ApiKey,
    Lead,
    LeadStatus,
    MemberRole,
    Membership,
    Organization,
    Segment,
    User,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()


# --- create_org ----------------------------------------------------------------------


def test_create_org_creates_the_owner_and_prints_the_id_last():
    lines = run("create_org", "--kind", "supplier", "--name", "Acme Leads", "--owner", "Ann@X.io")

    organization = Organization.objects.get(pk=lines[-1])
    assert organization.name == "Acme Leads"
    assert organization.kind == "supplier"
    owner = User.objects.get(email="ann@x.io")
    assert not owner.has_usable_password()  # no --password: they reset it by email
    assert Membership.objects.filter(
        organization=organization, user=owner, role=MemberRole.OWNER
    ).exists()
    assert EmailAddress.objects.get(user=owner).verified


def test_create_org_with_a_password_lets_the_owner_sign_in(client):
    run(
        "create_org",
        *("--kind", "buyer", "--name", "Buyer Co", "--owner", "b@x.io"),
        *("--password", "correct-horse-battery"),
    )

    assert client.login(email="b@x.io", password="correct-horse-battery")


def test_create_org_reuses_an_existing_owner(supplier_a):
    lines = run(
        "create_org", "--kind", "both", "--name", "Second Co", "--owner", "SUPPLIER.A@example.com"
    )

    assert not any(line.startswith("Created user") for line in lines)
    organization = Organization.objects.get(pk=lines[-1])
    assert organization.kind == "both"
    assert User.objects.filter(email__iexact="supplier.a@example.com").count() == 1
    assert Membership.objects.get(organization=organization).user == supplier_a.user
    assert Membership.objects.filter(user=supplier_a.user, role=MemberRole.OWNER).count() == 2


def test_create_org_refuses_an_unknown_kind_and_writes_nothing():
    with pytest.raises(CommandError, match="kind"):
        run("create_org", "--kind", "seller", "--name", "X", "--owner", "x@x.io")

    assert not Organization.objects.exists()
    assert not User.objects.filter(email="x@x.io").exists()


def test_create_org_refuses_a_blank_name():
    with pytest.raises(CommandError, match="not valid"):
        run("create_org", "--kind", "buyer", "--name", "  ", "--owner", "x@x.io")

    assert not Organization.objects.exists()


# --- create_moderator ------------------------------------------------------------------


def test_create_moderator_creates_a_staff_user_and_prints_the_id_last(client):
    lines = run("create_moderator", "--email", "Mod@Leadmarket.io", "--password", "pw-long-enough")

    user = User.objects.get(pk=lines[-1])
    assert user.email == "mod@leadmarket.io"
    assert user.is_staff
    assert user.is_active
    assert EmailAddress.objects.get(user=user).verified
    assert client.login(email="mod@leadmarket.io", password="pw-long-enough")


def test_create_moderator_promotes_an_existing_user(buyer_a):
    lines = run("create_moderator", "--email", buyer_a.user.email)

    assert lines[-1] == str(buyer_a.user.pk)
    buyer_a.user.refresh_from_db()
    assert buyer_a.user.is_staff
    assert buyer_a.user.check_password("correct-horse-battery")  # unchanged without --password
    assert User.objects.count() == 1


# --- create_api_key --------------------------------------------------------------------


def test_create_api_key_for_an_organization_prints_a_working_key(supplier_a, anonymous):
    lines = run("create_api_key", "--org", str(supplier_a.organization.pk), "--name", "CRM")

    key = lines[-1]
    assert re.fullmatch(r"lmk_[\w-]{40,}", key)
    stored = ApiKey.objects.get(name="CRM")
    assert stored.organization == supplier_a.organization
    assert stored.key_hash != key  # only a hash is kept
    assert key.startswith(stored.prefix)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert anonymous.get("/api/v1/leads/").status_code == 200


def test_create_api_key_for_a_moderator_prints_a_working_key(moderator, anonymous):
    key = run("create_api_key", "--moderator", moderator.user.email.upper())[-1]

    assert ApiKey.objects.get(moderator=moderator.user, name="Created from the command line")
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert anonymous.get("/api/v1/segments/").status_code == 200


@pytest.mark.parametrize("org_id", [str(uuid.uuid4()), "not-a-uuid", "42"])
def test_create_api_key_refuses_an_unknown_or_malformed_org_id(org_id):
    with pytest.raises(CommandError, match="No organization with id"):
        run("create_api_key", "--org", org_id)

    assert not ApiKey.objects.exists()


def test_create_api_key_refuses_a_non_staff_moderator(buyer_a):
    keys_before = ApiKey.objects.count()

    with pytest.raises(CommandError, match="Only moderators"):
        run("create_api_key", "--moderator", buyer_a.user.email)

    assert ApiKey.objects.count() == keys_before


def test_create_api_key_refuses_an_unknown_moderator():
    with pytest.raises(CommandError, match="No user with email"):
        run("create_api_key", "--moderator", "nobody@example.com")


def test_create_api_key_needs_exactly_one_owner(supplier_a, moderator):
    with pytest.raises(CommandError):
        run(
            "create_api_key",
            *("--org", str(supplier_a.organization.pk), "--moderator", moderator.user.email),
        )
    with pytest.raises(CommandError):
        run("create_api_key")


# --- seed_demo --------------------------------------------------------------------------


def _snapshot() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organization.objects.count(),
        Membership.objects.count(),
        EmailAddress.objects.count(),
        Lead.objects.count(),
    )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module's seed_demo tests (it takes a few seconds)."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            first = run("seed_demo")
            after_first = _snapshot()
            second = run("seed_demo")
            after_second = _snapshot()
            yield {
                "first": first,
                "second": second,
                "after_first": after_first,
                "after_second": after_second,
            }
            transaction.set_rollback(True)


def test_seed_demo_second_run_changes_nothing_and_prints_the_same_logins(seeded):
    assert seeded["after_first"] == seeded["after_second"]
    assert seeded["after_first"][-1] >= 140
    first_logins = seeded["first"][seeded["first"].index("") :]
    assert seeded["second"][seeded["second"].index("") :] == first_logins
    assert seeded["second"][0].startswith(
        "Users created: 0; organizations created: 0; leads created: 0"
    )


def test_seed_demo_ends_with_a_single_line_of_logins(seeded):
    last = seeded["first"][-1]
    for account in ACCOUNTS:
        assert account.email in last
    assert DEMO_PASSWORD in last
    table = "\n".join(seeded["first"])
    assert "| supplier@demo.leadmarket.test" in table
    assert "| password" in table


def test_seed_demo_logins_work_with_verified_emails(seeded, client):
    for account in ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert EmailAddress.objects.get(user=user).verified
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_staff == account.is_staff
    assert client.login(email="buyer@demo.leadmarket.test", password=DEMO_PASSWORD)


def test_seed_demo_fills_every_segment_from_five_countries(seeded):
    leads = Lead.objects.filter(supplier__name__in=["Nordlead Media", "Carpathia Leads"])

    for segment in Segment.objects.filter(slug__in=["insurance", "travel", "courses", "loans"]):
        assert leads.filter(segment=segment, status=LeadStatus.AVAILABLE).count() >= 20
    assert set(leads.values_list("country", flat=True)) == {"PL", "RO", "RU", "UA", "US"}
    assert leads.values("supplier").distinct().count() == 2


def test_seed_demo_shows_rejected_duplicates_and_a_lead_without_consent(seeded):
    rejected = Lead.objects.filter(status=LeadStatus.REJECTED)

    assert rejected.filter(rejection_reasons=["duplicate"]).count() >= 2
    reasons = rejected.values_list("rejection_reasons", flat=True)  # no JSON contains on SQLite
    assert sum("no_consent" in each for each in reasons) == 1
    for duplicate in rejected.filter(rejection_reasons=["duplicate"]):
        assert duplicate.duplicate_of is not None
        assert duplicate.duplicate_of.supplier_id != duplicate.supplier_id


def test_seed_demo_people_keep_their_alphabet_through_encryption(seeded):
    leads = list(Lead.objects.all())
    names = " ".join(f"{lead.first_name} {lead.last_name} {lead.city}" for lead in leads)

    assert re.search(r"[\u0400-\u04ff]{3,}", names)  # Cyrillic
    assert re.search(r"[іїєІЇЄ]", names)  # Ukrainian
    assert re.search(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]", names)  # Polish
    assert re.search(r"[ăâîșțĂÂÎȘȚ]", names)  # Romanian
    for lead in leads:
        number = phonenumbers.parse(lead.phone)
        assert phonenumbers.is_valid_number(number), lead.phone
        assert phonenumbers.region_code_for_number(number) == lead.country
        assert lead.region.startswith(lead.country + "-")
