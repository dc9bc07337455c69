"""Supplier pages, under /suppliers/."""

from __future__ import annotations

from django.urls import path

from suppliers.uploads import web as uploads

app_name = "suppliers"

urlpatterns = [
    path("uploads/", uploads.upload_list, name="upload_list"),
    path("uploads/<str:upload_id>/", uploads.upload_detail, name="upload_detail"),
    path("uploads/<str:upload_id>/columns/", uploads.upload_mapping, name="upload_mapping"),
    path("uploads/<str:upload_id>/progress/", uploads.upload_progress, name="upload_progress"),
]
