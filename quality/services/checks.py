"""The platform's own checks of objective return reasons.

A segment marks a reason ``"objective": true`` when the platform can decide
it from what it stores. Each check answers confirmed or not, with a detail
shown to both sides; a reason without a check here goes to the supplier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

import phonenumbers
from django.db.models import Q
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from marketplace.models import Sale, SaleStatus

# Consent stamped this long after the lead reached the platform was not there
# when the person was captured (clock skew between systems is allowed for).
CONSENT_CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class CheckResult:
    checked: bool
    confirmed: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


NOT_CHECKED = CheckResult(checked=False, confirmed=False, detail="")


def _phone_invalid(sale: Sale) -> CheckResult:
    lead = sale.lead
    if not lead.phone:
        return CheckResult(True, False, _("The lead has no phone number to check."))
    try:
        number = phonenumbers.parse(lead.phone, lead.country or None)
    except phonenumbers.NumberParseException:
        return CheckResult(True, True, _("The phone number does not parse."))
    if not phonenumbers.is_valid_number(number):
        return CheckResult(True, True, _("The phone number is not a valid number."))
    return CheckResult(True, False, _("The phone number is a valid number."))


def _duplicate(sale: Sale) -> CheckResult:
    same_person = Q()
    if sale.phone_index:
        same_person |= Q(phone_index=sale.phone_index)
    if sale.email_index:
        same_person |= Q(email_index=sale.email_index)
    if not same_person:
        return CheckResult(True, False, _("The lead has no phone or email to compare."))
    window = timedelta(days=sale.segment.dedup_window_days)
    earlier = (
        Sale.objects.filter(same_person, buyer_id=sale.buyer_id, segment_id=sale.segment_id)
        .exclude(pk=sale.pk)
        .exclude(status=SaleStatus.RETURNED)
        .filter(purchased_at__lt=sale.purchased_at, purchased_at__gte=sale.purchased_at - window)
        .order_by("purchased_at")
        .values_list("pk", flat=True)
        .first()
    )
    if earlier is None:
        return CheckResult(True, False, _("No earlier purchase of this person in the segment."))
    return CheckResult(
        True, True, _("The same person was sold to you before (purchase %(id)s).") % {"id": earlier}
    )


def _region_mismatch(sale: Sale) -> CheckResult:
    lead = sale.lead
    problems = []
    if lead.segment_id != sale.segment_id:
        problems.append(_("the lead is not in the segment it was sold in"))
    if lead.region and not lead.region.upper().startswith(f"{lead.country.upper()}-"):
        problems.append(
            _("region %(region)s is not in country %(country)s")
            % {"region": lead.region, "country": lead.country}
        )
    if lead.phone:
        try:
            number = phonenumbers.parse(lead.phone, lead.country or None)
        except phonenumbers.NumberParseException:
            number = None
        region = phonenumbers.region_code_for_number(number) if number else None
        if region and region != lead.country.upper():
            problems.append(
                _("the phone is from %(region)s, the lead is listed in %(country)s")
                % {"region": region, "country": lead.country}
            )
    schema = sale.segment.fields or {}
    if schema and not Draft202012Validator(schema).is_valid(lead.attributes or {}):
        problems.append(_("the lead's attributes do not fit the segment"))
    if problems:
        return CheckResult(
            True, True, _("Mismatch: %(problems)s.") % {"problems": "; ".join(problems)}
        )
    return CheckResult(True, False, _("Region, country and segment match what was listed."))


def _consent_missing(sale: Sale) -> CheckResult:
    lead = sale.lead
    if not lead.consent_text.strip() or lead.consent_captured_at is None:
        return CheckResult(True, True, _("No consent is recorded with the lead."))
    if lead.consent_captured_at > lead.created_at + CONSENT_CLOCK_SKEW:
        return CheckResult(True, True, _("The consent is dated after the lead was received."))
    return CheckResult(True, False, _("Consent is recorded: wording and time."))


CHECKS = {
    "invalid_phone": _phone_invalid,
    "duplicate": _duplicate,
    "outside_region": _region_mismatch,
    "no_consent": _consent_missing,
}


def objective_check(*, sale: Sale, reason: str) -> CheckResult:
    """Check ``reason`` against the stored lead if the segment calls it objective."""
    spec = next((r for r in sale.segment.return_reasons if r.get("code") == reason), None)
    check = CHECKS.get(reason)
    if spec is None or not spec.get("objective") or check is None:
        return NOT_CHECKED
    return check(sale)
