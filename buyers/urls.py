"""Buyers' pages, under /buyers/."""

from __future__ import annotations

from django.urls import path

from buyers import web

app_name = "buyers"

urlpatterns = [
    path("purchases/", web.purchase_list, name="purchase_list"),
    path("purchases/<str:sale_id>/", web.purchase_detail, name="purchase_detail"),
    path("purchases/<str:sale_id>/outcome/", web.purchase_outcome, name="purchase_outcome"),
    path("purchases/<str:sale_id>/action/", web.purchase_action, name="purchase_action"),
    path("leads/<str:lead_id>/buy/", web.purchase_buy, name="purchase_buy"),
]
