from __future__ import annotations

from django.urls import path

from marketplace.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
