"""Celery finds tasks in ``<app>.tasks``: the supplier side's live in their packages."""

from suppliers.uploads.tasks import process_upload, resume_stalled_uploads

__all__ = ["process_upload", "resume_stalled_uploads"]
