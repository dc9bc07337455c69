"""The four launch segments. Moderators edit them in the admin afterwards."""

from django.db import migrations

DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "YYYY-MM-DD"}

COMMON_REASONS = [
    {"code": "invalid_phone", "label": "Phone number does not work or is not valid", "objective": True},
    {"code": "wrong_person", "label": "Wrong person: never asked to be contacted", "objective": False},
    {"code": "duplicate", "label": "Duplicate: this person was already sold to us", "objective": True},
    {"code": "outside_region", "label": "Outside the requested region or segment", "objective": True},
    {"code": "no_consent", "label": "No consent to be contacted", "objective": True},
    {"code": "fake", "label": "Fake or made-up data", "objective": False},
]


def schema(properties, required):
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": required,
    }


SEGMENTS = [
    {
        "slug": "insurance",
        "name": "Insurance",
        "description": "Auto (CASCO, OSAGO/MTPL), health, life, travel and property insurance.",
        "fields": schema(
            {
                "product": {"type": "string", "enum": ["casco", "osago", "health", "life", "travel", "property"]},
                "vehicle_make": {"type": "string", "maxLength": 50},
                "vehicle_year": {"type": "integer", "minimum": 1950, "maximum": 2035},
                "sum_insured": {"type": "integer", "minimum": 0, "maximum": 100000000},
                "age": {"type": "integer", "minimum": 18, "maximum": 110},
                "policy_start": DATE,
            },
            ["product"],
        ),
        "default_price_cents": 800,
        "default_cpa_price_cents": 4500,
        "max_sales_limit": 3,
        "return_window_hours": 72,
        "action_window_days": 30,
        "dedup_window_days": 30,
        "return_reasons": COMMON_REASONS,
    },
    {
        "slug": "travel",
        "name": "Travel",
        "description": "Tour selection: package holidays, tours and cruises.",
        "fields": schema(
            {
                "destination": {"type": "string", "minLength": 1, "maxLength": 100},
                "departure_date": DATE,
                "nights": {"type": "integer", "minimum": 1, "maximum": 60},
                "adults": {"type": "integer", "minimum": 1, "maximum": 20},
                "children": {"type": "integer", "minimum": 0, "maximum": 20},
                "budget": {"type": "integer", "minimum": 0, "maximum": 10000000},
                "board": {"type": "string", "enum": ["room_only", "breakfast", "half_board", "full_board", "all_inclusive"]},
            },
            ["destination"],
        ),
        "default_price_cents": 500,
        "default_cpa_price_cents": 3000,
        "max_sales_limit": 3,
        "return_window_hours": 48,
        "action_window_days": 21,
        "dedup_window_days": 14,
        "return_reasons": COMMON_REASONS,
    },
    {
        "slug": "courses",
        "name": "Courses",
        "description": "Education and trainings: languages, IT, professional courses.",
        "fields": schema(
            {
                "subject": {"type": "string", "minLength": 1, "maxLength": 100},
                "level": {"type": "string", "enum": ["beginner", "intermediate", "advanced"]},
                "format": {"type": "string", "enum": ["online", "offline", "hybrid"]},
                "start": DATE,
                "budget": {"type": "integer", "minimum": 0, "maximum": 10000000},
            },
            ["subject"],
        ),
        "default_price_cents": 400,
        "default_cpa_price_cents": 2500,
        "max_sales_limit": 5,
        "return_window_hours": 72,
        "action_window_days": 30,
        "dedup_window_days": 30,
        "return_reasons": COMMON_REASONS,
    },
    {
        "slug": "loans",
        "name": "Loans",
        "description": "Consumer loans, credit cards, mortgages and microloans.",
        "fields": schema(
            {
                "product": {"type": "string", "enum": ["consumer_loan", "credit_card", "mortgage", "microloan"]},
                "amount": {"type": "integer", "minimum": 100, "maximum": 10000000},
                "term_months": {"type": "integer", "minimum": 1, "maximum": 480},
                "purpose": {
                    "type": "string",
                    "enum": ["car", "home", "renovation", "consumer", "business", "refinance", "education", "other"],
                },
                "monthly_income": {"type": "integer", "minimum": 0, "maximum": 10000000},
                "employment": {"type": "string", "enum": ["employed", "self_employed", "retired", "student", "unemployed"]},
            },
            ["amount"],
        ),
        "default_price_cents": 1250,
        "default_cpa_price_cents": 6000,
        "max_sales_limit": 3,
        "return_window_hours": 72,
        "action_window_days": 45,
        "dedup_window_days": 30,
        "return_reasons": COMMON_REASONS
        + [{"code": "underage", "label": "The person is under 18", "objective": False}],
    },
]


def seed(apps, schema_editor):
    Segment = apps.get_model("marketplace", "Segment")
    for data in SEGMENTS:
        Segment.objects.update_or_create(slug=data["slug"], defaults=data)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
