"""Demo data: organizations, people and ~150 realistic leads. Safe to run again.

Everyone shares one documented password (``DEMO_PASSWORD``) and a verified
email. Leads are sent through ``lead_submit`` like any supplier's, with fixed
``external_id`` values: a second run resends them, which stores nothing.
Generation is seeded, so every run builds the same people.
"""

# The demo people are Polish, Romanian, Russian, Ukrainian and American on
# purpose: Cyrillic letters that look like Latin ones are meant.
# ruff: noqa: RUF001

from __future__ import annotations

import logging
import random
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from billing.services import adjustment_post
from buyers.services import purchase_create
from marketplace.errors import ApplicationError
from marketplace.models import (
    BillingModel,
    Lead,
    LeadStatus,
    MemberRole,
    Membership,
    Organization,
    OrganizationKind,
    Sale,
    User,
)
from marketplace.services.organizations import organization_create, user_create
from suppliers.services import active_segments, lead_submit

DEMO_PASSWORD = "leadmarket-demo-2026"
SEED = 20261120


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    organization: str | None
    kind: str | None
    is_staff: bool = False


SUPPLIER = DemoAccount(
    "supplier", "supplier@demo.leadmarket.test", "Nordlead Media", OrganizationKind.SUPPLIER
)
SECOND_SUPPLIER = DemoAccount(
    "supplier (2nd)", "supplier2@demo.leadmarket.test", "Carpathia Leads", OrganizationKind.SUPPLIER
)
BUYER = DemoAccount("buyer", "buyer@demo.leadmarket.test", "Vistula Insure", OrganizationKind.BUYER)
MODERATOR = DemoAccount("moderator", "moderator@demo.leadmarket.test", None, None, is_staff=True)
ACCOUNTS = (SUPPLIER, SECOND_SUPPLIER, BUYER, MODERATOR)


@dataclass(frozen=True)
class Place:
    city: str
    region: str  # ISO 3166-2
    postal_code: str
    area_code: str = ""  # US only: the city's area code


@dataclass(frozen=True)
class Country:
    code: str
    locale: str
    places: tuple[Place, ...]
    phone: Callable[[random.Random, Place], str]  # a number as people write it locally
    consent: str
    site: str
    leads: int
    mail_domains: tuple[str, ...]


def _pl_phone(rng: random.Random, place: Place) -> str:
    prefix = rng.choice(["501", "504", "512", "533", "572", "601", "603", "661", "691", "728"])
    return f"{prefix} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def _ro_phone(rng: random.Random, place: Place) -> str:
    prefix = rng.choice(["0721", "0723", "0731", "0744", "0745", "0752", "0766", "0787"])
    return f"{prefix} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def _ru_phone(rng: random.Random, place: Place) -> str:
    code = rng.choice(["903", "905", "915", "916", "921", "926", "952", "977", "985"])
    return f"8 ({code}) {rng.randint(200, 999)}-{rng.randint(10, 99):02d}-{rng.randint(10, 99):02d}"


def _ua_phone(rng: random.Random, place: Place) -> str:
    code = rng.choice(["050", "063", "066", "067", "068", "073", "093", "097", "099"])
    return f"{code} {rng.randint(100, 999)} {rng.randint(10, 99):02d} {rng.randint(10, 99):02d}"


def _us_phone(rng: random.Random, place: Place) -> str:
    return f"({place.area_code}) {rng.randint(201, 989)}-{rng.randint(1000, 9999)}"


COUNTRIES = (
    Country(
        "PL",
        "pl_PL",
        (
            Place("Warszawa", "PL-MZ", "00-{:03d}"),
            Place("Kraków", "PL-MA", "30-{:03d}"),
            Place("Łódź", "PL-LD", "90-{:03d}"),
            Place("Wrocław", "PL-DS", "50-{:03d}"),
            Place("Gdańsk", "PL-PM", "80-{:03d}"),
            Place("Poznań", "PL-WP", "60-{:03d}"),
        ),
        _pl_phone,
        "Wyrażam zgodę na kontakt telefoniczny i e-mailowy w sprawie ofert.",
        "https://oferty.nordlead.pl",
        34,
        ("gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl"),
    ),
    Country(
        "RO",
        "ro_RO",
        (
            Place("București", "RO-B", "0{:05d}"),
            Place("Cluj-Napoca", "RO-CJ", "400{:03d}"),
            Place("Iași", "RO-IS", "700{:03d}"),
            Place("Timișoara", "RO-TM", "300{:03d}"),
            Place("Constanța", "RO-CT", "900{:03d}"),
            Place("Brașov", "RO-BV", "500{:03d}"),
        ),
        _ro_phone,
        "Sunt de acord să fiu contactat telefonic și prin e-mail cu privire la oferte.",
        "https://oferte.carpathia-leads.ro",
        30,
        ("gmail.com", "yahoo.com", "yahoo.ro"),
    ),
    Country(
        "RU",
        "ru_RU",
        (
            Place("Москва", "RU-MOW", "101{:03d}"),
            Place("Санкт-Петербург", "RU-SPE", "190{:03d}"),
            Place("Новосибирск", "RU-NVS", "630{:03d}"),
            Place("Екатеринбург", "RU-SVE", "620{:03d}"),
            Place("Казань", "RU-TA", "420{:03d}"),
            Place("Нижний Новгород", "RU-NIZ", "603{:03d}"),
        ),
        _ru_phone,
        "Я согласен на звонок и письмо с предложениями по моей заявке.",
        "https://zayavka.nordlead.ru",
        30,
        ("mail.ru", "yandex.ru", "gmail.com", "bk.ru"),
    ),
    Country(
        "UA",
        "uk_UA",
        (
            Place("Київ", "UA-30", "01{:03d}"),
            Place("Львів", "UA-46", "79{:03d}"),
            Place("Харків", "UA-63", "61{:03d}"),
            Place("Одеса", "UA-51", "65{:03d}"),
            Place("Дніпро", "UA-12", "49{:03d}"),
        ),
        _ua_phone,
        "Я погоджуюсь на дзвінок та лист щодо пропозицій за моєю заявкою.",
        "https://zayavka.nordlead.com.ua",
        28,
        ("ukr.net", "gmail.com", "i.ua"),
    ),
    Country(
        "US",
        "en_US",
        (
            Place("New York", "US-NY", "100{:02d}", "212"),
            Place("Los Angeles", "US-CA", "900{:02d}", "310"),
            Place("Chicago", "US-IL", "606{:02d}", "312"),
            Place("Houston", "US-TX", "770{:02d}", "713"),
            Place("Miami", "US-FL", "331{:02d}", "305"),
            Place("Seattle", "US-WA", "981{:02d}", "206"),
        ),
        _us_phone,
        "I agree to be contacted by phone and email about offers matching my request.",
        "https://offers.nordlead.com",
        28,
        ("gmail.com", "yahoo.com", "outlook.com", "icloud.com"),
    ),
)

SEGMENT_SLUGS = ("insurance", "travel", "courses", "loans")
DESTINATIONS = {
    "PL": ["Egipt", "Turcja", "Grecja", "Chorwacja", "Hiszpania", "Tunezja"],
    "RO": ["Grecia", "Turcia", "Egipt", "Bulgaria", "Spania", "Dubai"],
    "RU": ["Турция", "Египет", "ОАЭ", "Таиланд", "Сочи", "Мальдивы"],
    "UA": ["Туреччина", "Єгипет", "Хорватія", "Болгарія", "Греція"],
    "US": ["Cancún", "Hawaii", "Caribbean cruise", "Italy", "Costa Rica"],
}
SUBJECTS = {
    "PL": ["Angielski B2", "Programowanie w Pythonie", "Księgowość", "Analiza danych"],
    "RO": ["Engleză", "Programare Java", "Contabilitate", "Marketing digital"],
    "RU": ["Английский язык", "Python-разработка", "Бухгалтерия 1С", "Дизайн интерфейсов"],
    "UA": ["Англійська мова", "Тестування ПЗ", "Бухгалтерський облік", "Веб-дизайн"],
    "US": ["Data analytics", "Project management (PMP)", "Spanish", "UX design"],
}
CAR_MAKES = ["Toyota", "Škoda", "Volkswagen", "Dacia", "Kia", "Hyundai", "Ford", "Lada"]


_CYRILLIC = {
    **dict(zip("абвгґдезийклмнопрстуфыэ", "abvggdeziyklmnoprstufye", strict=True)),
    **{"є": "ye", "ё": "yo", "ж": "zh", "і": "i", "ї": "yi", "х": "kh", "ц": "ts", "ч": "ch"},
    **{"ш": "sh", "щ": "shch", "ъ": "", "ь": "", "ю": "yu", "я": "ya"},
}


def _ascii(text: str) -> str:
    """A name as people spell it in an email address: Łódź → lodz, Щорс → shchors."""
    text = text.lower().replace("ł", "l")
    text = "".join(_CYRILLIC.get(char, char) for char in text).replace("-", "")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


def _email(rng: random.Random, country: Country, first: str, last: str) -> str:
    first, last = _ascii(first), _ascii(last)
    local = rng.choice(
        [f"{first}.{last}", f"{first}{last}{rng.randint(1, 99)}", f"{first[0]}.{last}"]
    )
    return f"{local}@{rng.choice(country.mail_domains)}"


def _valid_phone(rng: random.Random, country: Country, place: Place) -> str:
    """A number in the local format that phonenumbers accepts as valid."""
    for _attempt in range(100):
        raw = country.phone(rng, place)
        parsed = phonenumbers.parse(raw, country.code)
        if phonenumbers.is_valid_number(parsed):
            return raw
    raise CommandError(f"Could not generate a valid {country.code} phone number.")


def _day(now: datetime, days: int) -> str:
    return (now + timedelta(days=days)).date().isoformat()


def _attributes(segment: str, country: Country, rng: random.Random, now: datetime) -> dict:
    if segment == "insurance":
        product = rng.choice(["casco", "osago", "health", "life", "travel", "property"])
        attributes: dict = {"product": product}
        if product in ("casco", "osago"):
            attributes["vehicle_make"] = rng.choice(CAR_MAKES)
            attributes["vehicle_year"] = rng.randint(2008, 2025)
        if product in ("health", "life"):
            attributes["age"] = rng.randint(22, 68)
            attributes["sum_insured"] = rng.choice([50_000, 100_000, 200_000, 500_000])
        if product == "property":
            attributes["sum_insured"] = rng.choice([150_000, 300_000, 600_000])
        attributes["policy_start"] = _day(now, rng.randint(3, 45))
        return attributes
    if segment == "travel":
        return {
            "destination": rng.choice(DESTINATIONS[country.code]),
            "departure_date": _day(now, rng.randint(10, 120)),
            "nights": rng.choice([5, 7, 7, 10, 12, 14]),
            "adults": rng.choice([1, 2, 2, 2, 3]),
            "children": rng.choice([0, 0, 1, 2]),
            "budget": rng.choice([1500, 2500, 4000, 6000, 9000]),
            "board": rng.choice(["breakfast", "half_board", "all_inclusive", "all_inclusive"]),
        }
    if segment == "courses":
        return {
            "subject": rng.choice(SUBJECTS[country.code]),
            "level": rng.choice(["beginner", "intermediate", "advanced"]),
            "format": rng.choice(["online", "online", "offline", "hybrid"]),
            "start": _day(now, rng.randint(7, 60)),
            "budget": rng.choice([300, 800, 1500, 3000]),
        }
    product = rng.choice(["consumer_loan", "credit_card", "mortgage", "microloan"])
    amount = {
        "consumer_loan": rng.randint(5, 60) * 1000,
        "credit_card": rng.randint(2, 20) * 1000,
        "mortgage": rng.randint(150, 900) * 1000,
        "microloan": rng.randint(3, 30) * 100,
    }[product]
    terms = {"consumer_loan": [24, 36, 60], "credit_card": [12, 24], "mortgage": [240, 300, 360]}
    return {
        "product": product,
        "amount": amount,
        "term_months": rng.choice(terms.get(product, [1])),
        "purpose": "home"
        if product == "mortgage"
        else rng.choice(["car", "renovation", "consumer", "refinance", "education", "other"]),
        "monthly_income": rng.randint(25, 120) * 100,
        "employment": rng.choice(["employed", "employed", "self_employed", "retired"]),
    }


# Prices in the platform currency, per segment: (CPL range in whole units, CPA).
PRICES = {
    "insurance": ((6, 14), "45.00"),
    "travel": ((4, 9), "30.00"),
    "courses": ((3, 7), "25.00"),
    "loans": ((9, 18), "60.00"),
}


def demo_leads(now: datetime) -> list[tuple[str, dict]]:
    """(supplier role, payload) for every demo lead, the same people on every run."""
    rng = random.Random(SEED)
    leads: list[tuple[str, dict]] = []
    for country in COUNTRIES:
        fake = Faker(country.locale)
        fake.seed_instance(SEED)
        for number in range(country.leads):
            female = rng.random() < 0.5
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name_female() if female else fake.last_name_male()
            place = rng.choice(country.places)
            segment = SEGMENT_SLUGS[number % len(SEGMENT_SLUGS)]
            captured = now - timedelta(minutes=rng.randint(30, 9 * 24 * 60))
            low, high = PRICES[segment][0]
            payload: dict = {
                "segment": segment,
                "external_id": f"demo-{country.code.lower()}-{number + 1:03d}",
                "first_name": first,
                "last_name": last,
                "phone": _valid_phone(rng, country, place),
                "email": _email(rng, country, first, last),
                "country": country.code,
                "region": place.region,
                "city": place.city,
                "postal_code": place.postal_code.format(rng.randint(1, 99)),
                "temperature": rng.choice(["cold", "warm", "warm", "hot"]),
                "source": rng.choice(
                    ["landing_page", "landing_page", "call", "social", "referral", "event"]
                ),
                "captured_at": captured.isoformat(),
                "consent": {
                    "text": country.consent,
                    "captured_at": captured.isoformat(),
                    "ip": fake.ipv4_public(),
                    "page_url": f"{country.site}/{segment}",
                },
                "qualification": {
                    "budget": rng.random() < 0.7,
                    "authority": rng.random() < 0.8,
                    "need": True,
                    "timeline": rng.choice(["now", "this_week", "this_month", "this_quarter"]),
                },
                "attributes": _attributes(segment, country, rng, now),
                "price": f"{rng.randint(low, high)}.{rng.choice(['00', '50', '90'])}",
                "cpa_price": PRICES[segment][1],
                "max_sales": rng.choice([1, 1, 2, 3]),
            }
            if rng.random() < 0.15:
                del payload["email"]  # phone-only leads are common from call centres
            supplier = SECOND_SUPPLIER.role if country.code == "RO" or number % 5 == 4 else "main"
            leads.append((supplier, payload))

    # The same people sent again by the other supplier, written differently: rejected as duplicates.
    for original_index in (0, 40, 75):
        supplier, original = leads[original_index]
        duplicate = {**original, "external_id": f"dup-{original['external_id']}"}
        duplicate["phone"] = phonenumbers.format_number(
            phonenumbers.parse(original["phone"], original["country"]),
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        )
        other = "main" if supplier == SECOND_SUPPLIER.role else SECOND_SUPPLIER.role
        leads.append((other, duplicate))
    # A lead sent without consent: stored as rejected so suppliers see why.
    _, base = leads[10]
    no_consent = {**base, "external_id": "demo-no-consent-001", "first_name": "Grzegorz"}
    no_consent["phone"] = _valid_phone(rng, COUNTRIES[0], COUNTRIES[0].places[0])
    no_consent.pop("email", None)
    del no_consent["consent"]
    leads.append(("main", no_consent))
    return leads


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    # One log line per stored lead would bury the logins `make demo` prints.
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


class Command(BaseCommand):
    help = "Create the demo organizations, users and leads (idempotent) and print the logins."

    def _user(self, account: DemoAccount) -> tuple[User, bool]:
        user = User.objects.filter(email__iexact=account.email).first()
        if user is not None:
            return user, False
        user = user_create(email=account.email, password=DEMO_PASSWORD, is_staff=account.is_staff)
        return user, True

    def _organization(self, account: DemoAccount, owner: User) -> tuple[Organization, bool]:
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=owner, role=MemberRole.OWNER, organization__name=account.organization)
            .first()
        )
        if membership is not None:
            return membership.organization, False
        organization = organization_create(
            name=str(account.organization), kind=str(account.kind), owner=owner
        )
        return organization, True

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        created_users = created_orgs = 0
        organizations: dict[str, Organization] = {}
        for account in ACCOUNTS:
            user, new_user = self._user(account)
            created_users += new_user
            if account.organization:
                organization, new_org = self._organization(account, user)
                organizations[account.role] = organization
                created_orgs += new_org

        segments = active_segments()
        missing = [slug for slug in SEGMENT_SLUGS if slug not in segments]
        if missing:
            raise CommandError(f"Segments missing (run migrate first): {', '.join(missing)}.")
        suppliers = {"main": organizations[SUPPLIER.role]}
        suppliers[SECOND_SUPPLIER.role] = organizations[SECOND_SUPPLIER.role]
        now = timezone.now()
        created = accepted = rejected = 0
        with _quiet("suppliers.services"):
            for supplier_role, payload in demo_leads(now):
                try:
                    result = lead_submit(
                        supplier=suppliers[supplier_role],
                        payload=payload,
                        segments=segments,
                        now=now,
                    )
                except ApplicationError as exc:
                    raise CommandError(
                        f"Demo lead {payload['external_id']} was refused: {exc.message} "
                        f"{exc.fields or ''}"
                    ) from None
                created += result.created
                if result.lead.status == LeadStatus.REJECTED:
                    rejected += 1
                else:
                    accepted += 1

        purchases = self._demo_purchases(organizations[BUYER.role])
        disputes = self._demo_returns(organizations[BUYER.role]) if purchases else 0
        self.stdout.write(
            f"Users created: {created_users}; organizations created: {created_orgs}; "
            f"leads created: {created} ({accepted} in the marketplace, {rejected} rejected "
            f"as duplicates or without consent); demo purchases made: {purchases}."
        )
        if disputes:
            self.stdout.write("Demo returns: one waiting for the supplier, one disputed.")
        self._print_logins()

    def _demo_returns(self, buyer: Organization) -> int:
        """Two of the demo buyer's pay-per-lead purchases returned through quality's
        services: one waits for the supplier, one the supplier contests (a dispute in
        the moderators' queue). Ratings are computed so the pages have figures."""
        from quality.services import return_contest, return_request
        from quality.services.rating import ratings_recompute_all

        sales = list(Sale.objects.filter(buyer=buyer, billing_model=BillingModel.CPL)[:2])
        if len(sales) < 2:
            return 0
        return_request(
            buyer=buyer,
            sale_id=sales[0].pk,
            reason="wrong_person",
            comment="The person says they never asked for insurance offers.",
        )
        disputed = return_request(
            buyer=buyer,
            sale_id=sales[1].pk,
            reason="fake",
            comment="Nobody by this name at this number.",
            evidence_note="Called twice on Monday, 10:05 and 14:30: a pizzeria answered.",
        )
        return_contest(
            supplier=sales[1].supplier,
            return_id=disputed.pk,
            comment="The form was filled from this number; consent certificate attached.",
        )
        ratings_recompute_all()
        return 1

    def _demo_purchases(self, buyer: Organization) -> int:
        """Funds and a few pay-per-lead and pay-per-action purchases for the demo buyer,
        through the purchase service like any buyer's (once: skipped when it has some)."""
        if Sale.objects.filter(buyer=buyer).exists():
            return 0
        adjustment_post(
            organization=buyer,
            amount_cents=500_00,
            reason="Demo funds",
            idempotency_key="adjustment:demo-buyer-funds",
        )
        made = 0
        plan = [("insurance", BillingModel.CPL, 3), ("loans", BillingModel.CPA, 2)]
        for slug, billing_model, count in plan:
            leads = Lead.objects.filter(
                segment__slug=slug, status=LeadStatus.AVAILABLE, external_id__startswith="demo-"
            ).order_by("external_id")
            for lead in leads[:count]:
                purchase_create(buyer=buyer, lead_id=lead.pk, billing_model=billing_model)
                made += 1
        return made

    def _print_logins(self) -> None:
        rows = [("role", "email", "password", "organization")]
        rows += [
            (a.role, a.email, DEMO_PASSWORD, a.organization or "staff: /admin/") for a in ACCOUNTS
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        rule = "+-" + "-+-".join("-" * width for width in widths) + "-+"
        self.stdout.write("")
        self.stdout.write("Demo logins (http://127.0.0.1:8000/accounts/login/):")
        self.stdout.write(rule)
        for position, row in enumerate(rows):
            cells = " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(f"| {cells} |")
            if position == 0:
                self.stdout.write(rule)
        self.stdout.write(rule)
        emails = ", ".join(account.email for account in ACCOUNTS)
        self.stdout.write(f"Demo logins: {emails} (password {DEMO_PASSWORD})")
