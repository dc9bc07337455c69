"""Background work of the core app. Tasks are thin: they take ids, load fresh
rows and are safe to run twice."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from marketplace.models import Invitation
from marketplace.services.catalog_indexes import catalog_attribute_indexes_sync
from marketplace.services.idempotency import idempotency_purge_expired
from marketplace.services.lead_expiry import leads_expire_stale

# How long a sent invitation email is remembered, so a retried task does not
# mail the same person twice. Longer than any broker redelivery delay.
_SENT_MARK_SECONDS = 24 * 60 * 60


@shared_task(acks_late=True)
def send_invitation_email(invitation_id: str, accept_url: str, language: str = "en") -> bool:
    """Mail the accept link of an open invitation. The link is passed in because
    only the token's hash is stored; nothing is sent for a withdrawn invitation."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_open:
        return False
    mark = f"invitation-email-sent:{invitation.pk}"
    if not cache.add(mark, 1, _SENT_MARK_SECONDS):
        return False
    try:
        with translation.override(language):
            context = {
                "invitation": invitation,
                "organization": invitation.organization,
                "inviter": invitation.invited_by,
                "accept_url": accept_url,
            }
            subject = render_to_string("emails/invitation_subject.txt", context)
            body = render_to_string("emails/invitation_body.txt", context)
            html = render_to_string("emails/invitation_body.html", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[invitation.email],
        )
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        cache.delete(mark)  # let a retry send it
        raise
    return True


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    """Periodic (beat, hourly): forget Idempotency-Key answers older than their TTL."""
    return idempotency_purge_expired()


@shared_task(acks_late=True)
def expire_stale_leads() -> int:
    """Periodic (beat): leads older than their segment's freshness limit become expired."""
    return leads_expire_stale()


@shared_task(acks_late=True)
def sync_catalog_attribute_indexes() -> dict[str, object]:
    """After a segment's schema changes, and periodically (beat): build the catalog's
    index of each new numeric attribute, drop those no active schema declares."""
    return asdict(catalog_attribute_indexes_sync())
