"""Upload API routes, relative to /api/v1/. Included by marketplace.api.urls."""

from __future__ import annotations

from django.urls import path

from suppliers.uploads.api import UploadDetailApi, UploadErrorsApi, UploadListCreateApi

urlpatterns = [
    path("uploads/", UploadListCreateApi.as_view(), name="upload-list"),
    path("uploads/<str:upload_id>/", UploadDetailApi.as_view(), name="upload-detail"),
    path("uploads/<str:upload_id>/errors.csv", UploadErrorsApi.as_view(), name="upload-errors"),
]
