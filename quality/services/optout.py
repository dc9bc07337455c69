"""The right to be forgotten: a person asks on the public page, by email (confirmed
by a link sent there) or by phone (a moderator processes it, since the platform
cannot call back to confirm).

Processing wipes the personal data of every lead of that person (names, phone,
email, consent IP, city, postal code, and the masked preview derived from them)
in the database; exports and pages read the database, so they follow. What was
stored beside the leads follows too (``optout_stored``): upload files still kept and
error reports, evidence of returns, stored API answers. The blind
indexes of each such lead go on the suppression list, so intake refuses the
person from then on. Every buyer who received one of the leads gets an
``erasure_requested`` event on its purchase and an email asking it to erase its
own copy. Money records stay: the ledger only knows sale and organization ids,
which identify no person.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.crypto import blind_index
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.models import Lead, Sale, SaleEvent, Suppression, User
from marketplace.previews import EMPTY_PREVIEW
from quality.models import OptOutRequest, OptOutStatus
from quality.services.optout_stored import optout_stored_erase
from suppliers.intake.normalization import NormalizationError, normalize_email, normalize_phone

LINK_VALID_FOR = timedelta(days=7)
WIPED = {
    "first_name": "",
    "last_name": "",
    "phone": "",
    "email": "",
    "consent_ip": "",
    "city": "",
    "postal_code": "",
    "preview": EMPTY_PREVIEW,  # the masks buyers see before buying are derived from the above
}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def optout_request(*, email: object = "", phone: object = "") -> tuple[OptOutRequest, str]:
    """Record a request; returns it and, for an email, the token of its link (only its
    hash is stored). A phone must be written with its +country code."""
    email = email.strip() if isinstance(email, str) else ""
    phone = phone.strip() if isinstance(phone, str) else ""
    if bool(email) == bool(phone):
        raise ValidationFailed(
            _("Give your email address or your phone number."),
            fields={"email": [_("Email or phone, one of them.")]},
        )
    try:
        if email:
            channel, normalized = OptOutRequest.Channel.EMAIL, normalize_email(email)
        else:
            if not phone.startswith("+"):
                raise NormalizationError(_("write the number with its +country code"))
            channel, normalized = OptOutRequest.Channel.PHONE, normalize_phone(phone, country="ZZ")
    except NormalizationError as error:
        field = "email" if email else "phone"
        raise ValidationFailed(str(error), fields={field: [str(error)]}) from None
    token = secrets.token_urlsafe(32) if channel == OptOutRequest.Channel.EMAIL else ""
    request = OptOutRequest.objects.create(
        channel=channel,
        contact=normalized,
        blind_index=blind_index(channel, normalized),
        token_hash=_token_hash(token) if token else "",
        status=OptOutStatus.AWAITING_CONFIRMATION if token else OptOutStatus.AWAITING_REVIEW,
    )
    return request, token


def optout_pending(*, token: str) -> OptOutRequest:
    request = (
        OptOutRequest.objects.filter(
            token_hash=_token_hash(token or ""),
            status=OptOutStatus.AWAITING_CONFIRMATION,
            created_at__gte=timezone.now() - LINK_VALID_FOR,
        ).first()
        if token
        else None
    )
    if request is None:
        raise NotFound(_("This link is not valid (used, expired or mistyped)."))
    return request


def optout_confirm(*, token: str) -> OptOutRequest:
    """The person followed the link sent to the email: erase now."""
    request = optout_pending(token=token)
    return _process(request.pk, allowed=OptOutStatus.AWAITING_CONFIRMATION)


def optout_process(*, request_id: object, moderator: User) -> OptOutRequest:
    """A moderator processes a phone request."""
    return _process(request_id, allowed=OptOutStatus.AWAITING_REVIEW, moderator=moderator)


@transaction.atomic
def _process(request_id: object, *, allowed: str, moderator: User | None = None) -> OptOutRequest:
    now = timezone.now()
    if not OptOutRequest.objects.filter(pk=request_id, status=allowed).update(
        status=OptOutStatus.DONE, processed_at=now, processed_by=moderator, confirmed_at=now
    ):
        raise Conflict(_("This request was already processed."))
    request = OptOutRequest.objects.get(pk=request_id)
    field = "email_index" if request.channel == OptOutRequest.Channel.EMAIL else "phone_index"
    leads = list(
        Lead.objects.select_for_update()
        .filter(**{field: request.blind_index})
        .values_list("pk", "phone_index", "email_index")
    )
    suppressed = {(request.blind_index, request.channel)}
    for _lead_id, phone_index, email_index in leads:
        if phone_index:
            suppressed.add((phone_index, Suppression.Kind.PHONE))
        if email_index:
            suppressed.add((email_index, Suppression.Kind.EMAIL))
    for index, kind in suppressed:
        Suppression.objects.get_or_create(
            blind_index=index, defaults={"kind": kind, "reason": "opt-out"}
        )
    lead_ids = [pk for pk, _, _ in leads]
    sales = list(Sale.objects.filter(lead_id__in=lead_ids).values_list("pk", "buyer_id"))
    indexes = sorted(index for index, _kind in suppressed)
    optout_stored_erase(
        lead_ids=lead_ids,
        sale_ids=[sale_id for sale_id, _ in sales],
        indexes=indexes,
        contact=request.contact,
    )
    Lead.objects.filter(pk__in=lead_ids).update(**WIPED)
    SaleEvent.objects.bulk_create(
        [
            SaleEvent(sale_id=sale_id, kind="erasure_requested", data={"optout": str(request.pk)})
            for sale_id, _ in sales
        ]
    )
    buyers = sorted({str(buyer_id) for _, buyer_id in sales})
    OptOutRequest.objects.filter(pk=request.pk).update(
        contact="", leads_wiped=len(lead_ids), buyers_told=len(buyers)
    )
    from quality.tasks import erase_upload_files, send_erasure_email

    transaction.on_commit(lambda: erase_upload_files.delay(indexes))

    for buyer_id in buyers:
        transaction.on_commit(
            lambda buyer_id=buyer_id: send_erasure_email.delay(str(request.pk), buyer_id)
        )
    request.refresh_from_db()
    return request
