"""An upload, its status history, its rejected rows and each supplier's
remembered column mapping."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ids import new_id
from marketplace.models import Organization, Segment
from suppliers.uploads.errors import UploadMessage


class UploadStatus(models.TextChoices):
    # Pages only: the file is stored and its columns wait for the supplier's mapping.
    AWAITING_MAPPING = "awaiting_mapping", _("Waiting for column mapping")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class UploadFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class Upload(models.Model):
    """One file of leads. ``last_row`` is the checkpoint: the file row number of
    the last row whose outcome is committed (with its leads, in the same
    transaction); a restarted task resumes right after it."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="uploads")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="uploads")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=UploadStatus.choices)
    # Display text only: the stored file has a random name.
    original_name = models.CharField(max_length=255, blank=True, default="")
    stored_name = models.CharField(max_length=100, unique=True)
    file_format = models.CharField(max_length=8, choices=UploadFormat.choices)
    size_bytes = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=32, blank=True, default="")
    delimiter = models.CharField(max_length=1, blank=True, default="")
    headers = models.JSONField(default=list, blank=True)
    # Column index (as a string) → lead field, as confirmed for this file.
    column_map = models.JSONField(default=dict, blank=True)

    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    last_row = models.PositiveIntegerField(default=1)  # the header is row 1
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Reason key ("phone", "suppressed", "duplicate", ...) → rows; for the summary.
    reason_counts = models.JSONField(default=dict, blank=True)
    failure_reason = models.TextField(blank=True, default="")  # English, for the API
    # The failure's msgid and parameters ({"msgid", "params"}): the page renders it in
    # the viewer's language. Empty for uploads that failed before it was kept.
    failure_message = models.JSONField(default=dict, blank=True)
    # The creator's language (of their request): the error report's reasons are in it.
    language = models.CharField(max_length=16, blank=True, default="")

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Moved by every committed chunk: a processing upload that stops moving lost its task.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["supplier", "status", "created_at"], name="upload_supplier_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_row__gte=1), name="upload_last_row_after_header"
            ),
        ]

    def __str__(self) -> str:
        return f"Upload {self.id} ({self.status})"

    @property
    def failure_text(self) -> str:
        """Why it failed, in the active language (the stored English for older rows)."""
        message = UploadMessage.from_json(self.failure_message)
        if message is None:
            return self.failure_reason
        try:
            return message.translated()
        except (KeyError, TypeError, ValueError):  # parameters that do not fit the text
            return self.failure_reason

    @property
    def is_active(self) -> bool:
        return self.status in (UploadStatus.QUEUED, UploadStatus.PROCESSING)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == UploadStatus.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class UploadEvent(models.Model):
    """One status transition of an upload."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.upload_id}: {self.from_status or '-'} → {self.to_status}"


class UploadRowKind(models.TextChoices):
    INVALID = "invalid", _("Invalid")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


class UploadRowError(models.Model):
    """A row of the file that was not accepted: its number in the file, its
    original cells and the reasons in words."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=UploadRowKind.choices)
    values = models.JSONField(default=list)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["upload", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "row_number"], name="upload_row_error_once")
        ]

    def __str__(self) -> str:
        return f"{self.upload_id} row {self.row_number}"


class ColumnMemory(models.Model):
    """A supplier's earlier mapping choices: normalized header → lead field."""

    supplier = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="upload_column_memory"
    )
    mapping = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Column mapping of {self.supplier_id}"
