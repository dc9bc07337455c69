"""Quality's background work. Thin and safe to run twice: each loads fresh rows
and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from marketplace.models import Membership
from quality.emails import STEP_TEXT
from quality.models import ReturnEvent
from quality.services import returns_accept_unanswered
from quality.services.rating import ratings_recompute_all, ratings_recompute_changed

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
