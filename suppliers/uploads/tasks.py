"""Upload processing on a Celery worker: thin callers of the services.

Acknowledged late and rejected when the worker is lost, so the broker hands a
killed run's message out again; the run resumes from the upload's checkpoint.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_noop

from suppliers.uploads.errors import UploadMessage
from suppliers.uploads.models import Upload
from suppliers.uploads.processing import upload_process
from suppliers.uploads.services import (
    enqueue,
    upload_fail,
    uploads_discard_abandoned,
    uploads_resume_stalled,
)

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=8,
)
def process_upload(self, upload_id: str) -> str:
    eager = self.request.is_eager  # in-process mode: inside a web request, no fork
    budget = None if eager else float(settings.UPLOAD_TASK_SECONDS)
    try:
        outcome = upload_process(
            upload_id=upload_id,
            time_budget=budget,
            prepare_processes=0 if eager else settings.UPLOAD_PREPARE_PROCESSES,
        )
    except (OperationalError, InterfaceError):
        raise  # the database went away: retried, then resumed from the checkpoint
    except Exception:
        logger.exception("upload %s stopped by an unexpected error", upload_id)
        upload = Upload.objects.filter(pk=upload_id).first()
        if upload is not None:
            upload_fail(
                upload=upload,
                reason=UploadMessage(
                    gettext_noop(
                        "An unexpected error stopped processing after row %(row)s; "
                        "the rows before it are stored. Our team has been told."
                    ),
                    {"row": upload.last_row},
                ),
            )
        return "failed"
    if outcome == "more":
        enqueue(upload_id)
    return outcome


@shared_task(acks_late=True)
def resume_stalled_uploads() -> int:
    """Periodic (beat): uploads whose task was lost get one again; files whose columns
    were never confirmed are dropped."""
    uploads_discard_abandoned()
    return uploads_resume_stalled()
