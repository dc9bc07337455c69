from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from marketplace.selectors.dashboards import (
    buyer_dashboard,
    moderator_dashboard,
    supplier_dashboard,
)
from marketplace.web.access import render_page
from marketplace.web.dashboard_charts import buyer_charts, moderator_charts, supplier_charts


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render_page(request, "marketplace/home.html")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    is_moderator = request.user.is_moderator
    if organization is None and not is_moderator:
        return redirect("organization_create")
    supplier = (
        supplier_dashboard(supplier=organization)
        if organization is not None and organization.is_supplier
        else None
    )
    buyer = (
        buyer_dashboard(buyer=organization)
        if organization is not None and organization.is_buyer
        else None
    )
    moderation = moderator_dashboard() if is_moderator else None
    return render_page(
        request,
        "marketplace/dashboard.html",
        {
            "supplier": supplier,
            "supplier_charts": supplier_charts(supplier) if supplier else None,
            "buyer": buyer,
            "buyer_charts": buyer_charts(buyer) if buyer else None,
            "moderation": moderation,
            "moderation_charts": moderator_charts(moderation) if moderation else None,
            "currency": settings.CURRENCY,
        },
    )
