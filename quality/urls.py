"""Quality's pages, under /quality/."""

from __future__ import annotations

from django.urls import path

from quality import web, web_optout

app_name = "quality"

urlpatterns = [
    path("returns/", web.return_list, name="return_list"),
    path("returns/<str:return_id>/accept/", web.return_accept_view, name="return_accept"),
    path("returns/<str:return_id>/contest/", web.return_contest_view, name="return_contest"),
    path("purchases/<str:sale_id>/return/", web.return_request_view, name="return_request"),
    path("evidence/<str:evidence_id>/", web.evidence_download, name="evidence_download"),
    path("moderation/disputes/", web.dispute_queue_view, name="dispute_queue"),
    path(
        "moderation/disputes/<str:dispute_id>/resolve/",
        web.dispute_resolve_view,
        name="dispute_resolve",
    ),
    path(
        "moderation/suppliers/<str:supplier_id>/",
        web.supplier_standing_view,
        name="supplier_standing",
    ),
    path(
        "moderation/suppliers/<str:supplier_id>/action/",
        web.supplier_standing_action,
        name="supplier_standing_action",
    ),
    path("suppliers/<str:supplier_id>/", web.supplier_public, name="supplier_public"),
    path("rating/", web.my_rating, name="my_rating"),
    path("opt-out/", web_optout.optout_page, name="optout"),
    path("opt-out/confirm/<str:token>/", web_optout.optout_confirm_view, name="optout_confirm"),
    path("moderation/opt-outs/", web_optout.optout_queue_view, name="optout_queue"),
    path(
        "moderation/opt-outs/<str:request_id>/process/",
        web_optout.optout_process_view,
        name="optout_process",
    ),
]
