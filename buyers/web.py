"""The buyer's pages: purchases (with outcomes and actions), one purchase, buying a lead.

Each page that shows a lead's personal data logs the reveal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from buyers.forms import ActionForm, BuyForm, OutcomeForm
from buyers.selectors import buyer_purchase, buyer_purchases, purchase_filters_clean
from buyers.services import (
    personal_data_reveal,
    purchase_action_report,
    purchase_create,
    purchase_outcome_set,
)
from buyers.services.outcomes import TRANSITIONS
from marketplace.errors import ApplicationError, NotFound
from marketplace.models import AccessChannel, BillingModel, Outcome, Sale, SaleStatus
from marketplace.selectors.segments import active_segment_list
from marketplace.web.access import organization_required, render_page

PAGE_SIZE = 50
EVENT_LABELS = {
    "purchased": gettext_lazy("Bought"),
    "outcome": gettext_lazy("Outcome changed"),
    "action": gettext_lazy("Action reported"),
    "action_expired": gettext_lazy("Action window passed"),
}


def _buyer(request: HttpRequest):
    if not request.organization.is_buyer:
        raise PermissionDenied(_("Purchases are for buyer organizations."))
    return request.organization


def _purchase(request: HttpRequest, sale_id: str) -> Sale:
    try:
        return buyer_purchase(buyer=_buyer(request), sale_id=sale_id)
    except NotFound:
        raise Http404(_("No such purchase.")) from None


def _decorate(sale: Sale) -> Sale:
    """What the page may offer for this purchase."""
    sale.next_outcomes = sorted(TRANSITIONS[sale.outcome])
    sale.can_report_action = sale.status == SaleStatus.PENDING_ACTION or (
        sale.status == SaleStatus.DELIVERED and sale.converted_at is None
    )
    return sale


def _event_row(event) -> dict:
    statuses = dict(SaleStatus.choices)
    outcomes = dict(Outcome.choices)
    data = event.data or {}
    return {
        "event": event,
        "label": EVENT_LABELS.get(event.kind, event.kind),
        "from": statuses.get(event.from_status) or outcomes.get(data.get("from"), ""),
        "to": statuses.get(event.to_status) or outcomes.get(data.get("to"), ""),
        "reason": data.get("reason", ""),
    }


def _reveal(request: HttpRequest, sales: list[Sale]) -> None:
    personal_data_reveal(
        buyer=request.organization, sales=sales, channel=AccessChannel.WEB, user=request.user
    )


@organization_required
@require_GET
def purchase_list(request: HttpRequest) -> HttpResponse:
    buyer = _buyer(request)
    try:
        filters = purchase_filters_clean(request.GET)
    except ApplicationError:
        filters = {}
    paginator = Paginator(buyer_purchases(buyer=buyer, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    purchases = [_decorate(sale) for sale in page.object_list]
    _reveal(request, purchases)
    return render_page(
        request,
        "buyers/purchases.html",
        {
            "page": page,
            "purchases": purchases,
            "filters": filters,
            "statuses": SaleStatus.choices,
            "billing_models": BillingModel.choices,
            "segments": active_segment_list(),
            "outcome_form": OutcomeForm(),
        },
    )


@organization_required
@require_GET
def purchase_detail(request: HttpRequest, sale_id: str) -> HttpResponse:
    sale = _decorate(_purchase(request, sale_id))
    _reveal(request, [sale])
    return render_page(
        request,
        "buyers/purchase_detail.html",
        {
            "sale": sale,
            "lead": sale.lead,
            "events": [_event_row(event) for event in sale.events.select_related("actor")],
            "outcome_form": OutcomeForm(),
            "action_form": ActionForm(),
        },
    )


def _back(request: HttpRequest, sale: Sale | None = None) -> HttpResponse:
    # The page the form was on (the catalog, the list), when it is this site's.
    target = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if sale is not None:
        return redirect("buyers:purchase_detail", sale_id=sale.pk)
    return redirect("buyers:purchase_list")


def _form_errors(request: HttpRequest, form) -> None:
    for problems in form.errors.values():
        for problem in problems:
            messages.error(request, problem)


def _change_purchase(
    request: HttpRequest, sale_id: str, form_class, change, done: str
) -> HttpResponse:
    """A form on a purchase: shape checked by the form, the rules by the service
    (``change(sale, cleaned_data)``); either's refusal comes back as a message."""
    sale = _purchase(request, sale_id)
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, sale)
    try:
        change(sale, form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _back(request, sale)


@organization_required
@require_POST
def purchase_outcome(request: HttpRequest, sale_id: str) -> HttpResponse:
    return _change_purchase(
        request,
        sale_id,
        OutcomeForm,
        lambda sale, data: purchase_outcome_set(
            buyer=request.organization,
            sale_id=sale.pk,
            outcome=data["outcome"],
            reason=data["outcome_reason"],
            user=request.user,
        ),
        _("Outcome saved."),
    )


@organization_required
@require_POST
def purchase_action(request: HttpRequest, sale_id: str) -> HttpResponse:
    return _change_purchase(
        request,
        sale_id,
        ActionForm,
        lambda sale, data: purchase_action_report(
            buyer=request.organization,
            sale_id=sale.pk,
            external_ref=data["external_ref"],
            user=request.user,
        ),
        _("Action reported."),
    )


@organization_required
@require_POST
def purchase_buy(request: HttpRequest, lead_id: str) -> HttpResponse:
    """The catalog's buy button: buys, then shows the purchase (whose page logs the reveal)."""
    buyer = _buyer(request)
    form = BuyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request)
    try:
        sale = purchase_create(
            buyer=buyer,
            lead_id=lead_id,
            billing_model=form.cleaned_data["billing_model"],
            user=request.user,
        )
    except NotFound:
        raise Http404(_("No such lead.")) from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back(request)
    messages.success(request, _("Lead bought."))
    return redirect("buyers:purchase_detail", sale_id=sale.pk)
