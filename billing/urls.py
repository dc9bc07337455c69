"""Billing's pages and webhooks, under /billing/."""

from __future__ import annotations

from django.urls import path

from billing import web
from billing.stripe import pages as topup_pages
from billing.stripe.webhooks import stripe_webhook

app_name = "billing"

urlpatterns: list = [
    path("payouts/", web.payout_list, name="payout_list"),
    path("payouts/request/", web.payout_request_view, name="payout_request"),
    path("statements/", web.statement_index, name="statement_index"),
    path("statements/<str:month>.csv", web.statement_download, name="statement_download"),
    path("statements/<str:month>/", web.statement_detail, name="statement_detail"),
    path("moderation/payouts/", web.moderation_payouts, name="moderation_payouts"),
    path(
        "moderation/payouts/<str:payout_id>/approve/",
        web.moderation_payout_approve,
        name="moderation_payout_approve",
    ),
    path(
        "moderation/payouts/<str:payout_id>/reject/",
        web.moderation_payout_reject,
        name="moderation_payout_reject",
    ),
    path(
        "moderation/payouts/<str:payout_id>/mark-paid/",
        web.moderation_payout_mark_paid,
        name="moderation_payout_mark_paid",
    ),
    path("moderation/adjustments/", web.moderation_adjustments, name="moderation_adjustments"),
    path("topups/", topup_pages.topup, name="topup"),
    path("topups/<str:topup_id>/", topup_pages.topup_detail, name="topup_detail"),
    path("stripe/webhook/", stripe_webhook, name="stripe_webhook"),
]
