"""Quality's background work. Thin and safe to run twice: each loads fresh rows
and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from marketplace.models import Membership, Organization, Sale
from quality.emails import STEP_TEXT
from quality.models import OptOutRequest, OptOutStatus, ReturnEvent
from quality.services import returns_accept_unanswered
from quality.services.rating import ratings_recompute_all, ratings_recompute_changed
from suppliers.uploads.erasure import upload_files_erase

_SENT_MARK_SECONDS = 24 * 60 * 60


def _member_emails(organization_id: object) -> list[str]:
    return sorted(
        Membership.objects.filter(organization_id=organization_id)
        .values_list("user__email", flat=True)
        .distinct()
    )


@shared_task(acks_late=True)
def send_return_email(event_id: str, language: str = "en") -> int:
    """Tell the buyer and the supplier about one step of a return; returns how many
    emails went out. Each side is marked as mailed, so a retry does not repeat it."""
    event = (
        ReturnEvent.objects.select_related("ret__buyer", "ret__supplier", "ret__sale")
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.kind not in STEP_TEXT:
        return 0
    ret = event.ret
    sent = 0
    for side, organization in (("buyer", ret.buyer), ("supplier", ret.supplier)):
        recipients = _member_emails(organization.pk)
        mark = f"return-email-sent:{event.pk}:{side}"
        if not recipients or not cache.add(mark, 1, _SENT_MARK_SECONDS):
            continue
        try:
            with translation.override(language):
                subject_text, buyer_text, supplier_text = STEP_TEXT[event.kind]
                context = {
                    "ret": ret,
                    "event": event,
                    "organization": organization,
                    "side": side,
                    "headline": subject_text,
                    "message": buyer_text if side == "buyer" else supplier_text,
                }
                subject = render_to_string("emails/return_update_subject.txt", context)
                body = render_to_string("emails/return_update_body.txt", context)
                html = render_to_string("emails/return_update_body.html", context)
            message = EmailMultiAlternatives(
                subject=" ".join(subject.split()),
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=recipients,
            )
            message.attach_alternative(html, "text/html")
            message.send()
        except Exception:
            cache.delete(mark)  # let a retry send it
            raise
        sent += 1
    return sent


@shared_task(acks_late=True)
def erase_upload_files(indexes: list[str]) -> int:
    """After an opt-out: the person's rows blanked in upload files still kept (the
    arguments are blind indexes, no plaintext)."""
    return upload_files_erase(indexes=indexes)


@shared_task(acks_late=True)
def accept_unanswered_returns() -> int:
    """Periodic (beat, every 5 minutes): returns past respond_by are decided."""
    return returns_accept_unanswered()


@shared_task(acks_late=True)
def recompute_changed_ratings() -> int:
    """Periodic (beat, every 5 minutes): ratings of suppliers with news since the last run."""
    return ratings_recompute_changed()


@shared_task(acks_late=True)
def recompute_all_ratings() -> int:
    """Periodic (beat, nightly): every supplier's rating and its daily history row."""
    return ratings_recompute_all()


def _mail(template: str, context: dict, to: list[str], language: str) -> None:
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}_body.txt", context)
    EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    ).send()


@shared_task(acks_late=True)
def send_optout_link(request_id: str, confirm_url: str, language: str = "en") -> bool:
    """Mail the confirmation link of an opt-out by email (the link carries the token,
    of which only a hash is stored). Nothing once the request is processed."""
    request = OptOutRequest.objects.filter(
        pk=request_id, status=OptOutStatus.AWAITING_CONFIRMATION
    ).first()
    if request is None or not request.contact:
        return False
    mark = f"optout-link-sent:{request.pk}"
    if not cache.add(mark, 1, _SENT_MARK_SECONDS):
        return False
    try:
        _mail("optout_link", {"confirm_url": confirm_url}, [request.contact], language)
    except Exception:
        cache.delete(mark)
        raise
    return True


@shared_task(acks_late=True)
def send_erasure_email(request_id: str, buyer_id: str, language: str = "en") -> bool:
    """Ask a buyer to erase its copy of the leads of a person who opted out."""
    buyer = Organization.objects.filter(pk=buyer_id).first()
    recipients = _member_emails(buyer_id)
    if buyer is None or not recipients:
        return False
    mark = f"erasure-email-sent:{request_id}:{buyer_id}"
    if not cache.add(mark, 1, _SENT_MARK_SECONDS):
        return False
    purchases = list(
        Sale.objects.filter(
            buyer_id=buyer_id, events__kind="erasure_requested", events__data__optout=request_id
        ).values_list("pk", flat=True)
    )
    try:
        _mail("erasure", {"organization": buyer, "purchases": purchases}, recipients, language)
    except Exception:
        cache.delete(mark)
        raise
    return True
