"""In-process mode (no broker: ``make demo``, ``UPLOADS_IN_THREAD``): an upload's task
runs in a thread of the web process, so the request that queued it answers at once
and the progress page follows the upload as it would with a worker.

The thread has its own database connection (Django's are per thread), closed when
the task ends so a long-lived server does not collect idle connections.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections

logger = logging.getLogger(__name__)


def upload_run_in_thread(upload_id: str) -> threading.Thread:
    """Start the upload's task (run eagerly) in a daemon thread; returns the thread."""
    from suppliers.uploads.tasks import process_upload

    def run() -> None:
        try:
            # Eager: no fork and no time budget, the whole file in this thread.
            process_upload.apply(args=[upload_id], throw=False)
        except Exception:  # the thread has no caller to tell
            logger.exception("upload %s: the background run failed", upload_id)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name=f"upload-{upload_id}", daemon=True)
    thread.start()
    return thread
