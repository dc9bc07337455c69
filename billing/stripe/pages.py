"""A buyer's "Add funds" page (a form that sends the payer to Stripe Checkout,
and the organization's top-ups) and the page Checkout returns to."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from billing.forms import AmountField
from billing.models import TopUp
from billing.selectors import wallet_balances
from billing.services.topups import topup_create, topup_limits
from marketplace.errors import ApplicationError
from marketplace.forms import ServiceErrorsMixin
from marketplace.money import currency, format_cents
from marketplace.web.access import organization_required, render_page


class TopUpForm(ServiceErrorsMixin, forms.Form):
    amount = AmountField(label=_("Amount"))


def _buyer(request: HttpRequest) -> None:
    if not request.organization.is_buyer:
        raise PermissionDenied(_("Adding funds is for buyer organizations."))


def _topup_page(
    request: HttpRequest, *, form: TopUpForm | None = None, status: int = 200
) -> HttpResponse:
    organization = request.organization
    low, high = topup_limits()
    cancelled = None
    if cancelled_id := request.GET.get("cancelled"):
        cancelled = TopUp.objects.filter(organization=organization, pk__in=_uuid_list(cancelled_id))
        cancelled = cancelled.first()
    return render_page(
        request,
        "billing/topup.html",
        {
            "form": form or TopUpForm(),
            "balances": wallet_balances(organization=organization),
            "topups": list(TopUp.objects.filter(organization=organization)[:50]),
            "minimum": format_cents(low),
            "maximum": format_cents(high),
            "cancelled": cancelled,
            "currency": currency(),
        },
        status=status,
    )


def _uuid_list(value: str) -> list[str]:
    try:
        return [str(UUID(value))]
    except ValueError:
        return []


@organization_required
@require_http_methods(["GET", "POST"])
def topup(request: HttpRequest) -> HttpResponse:
    _buyer(request)
    if request.method == "GET":
        return _topup_page(request)
    form = TopUpForm(request.POST)
    if not form.is_valid():
        return _topup_page(request, form=form, status=400)
    try:
        created = topup_create(
            organization=request.organization,
            user=request.user,
            amount_cents=form.cleaned_data["amount"],
            site_url=request.build_absolute_uri("/"),
        )
    except ApplicationError as error:
        form.add_service_error(error)
        return _topup_page(request, form=form, status=400 if error.status < 500 else 503)
    # Checkout lives on Stripe's domain: a plain redirect, not Django's host-checked one.
    return HttpResponseRedirect(created.checkout_url)


@organization_required
@require_GET
def topup_detail(request: HttpRequest, topup_id: str) -> HttpResponse:
    _buyer(request)
    found = TopUp.objects.filter(organization=request.organization, pk__in=_uuid_list(topup_id))
    topup_row = found.first()
    if topup_row is None:
        raise Http404("No such top-up.")
    return render_page(
        request,
        "billing/topup_detail.html",
        {
            "topup": topup_row,
            "returned": bool(request.GET.get("session_id")),
            "balances": wallet_balances(organization=request.organization),
        },
    )
