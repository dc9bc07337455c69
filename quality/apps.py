from __future__ import annotations

from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"
    default_auto_field = "django.db.models.BigAutoField"
