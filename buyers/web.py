"""The buyer's pages: purchases (with outcomes and actions), one purchase, buying a lead.

Each page that shows a lead's personal data logs the reveal."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
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
from marketplace.forms import RowForm
from marketplace.models import AccessChannel, BillingModel, Outcome, Sale, SaleStatus
from marketplace.selectors.segments import active_segment_list
from marketplace.web.access import INVALID, organization_required, render_page

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


def _decorate(sale: Sale, failed: RowForm | None = None) -> Sale:
    """What the page may offer for this purchase, with the forms of its row (``failed``
    in place of a blank one when this purchase's submission was refused)."""
    sale.next_outcomes = sorted(TRANSITIONS[sale.outcome])
    sale.can_report_action = sale.status == SaleStatus.PENDING_ACTION or (
        sale.status == SaleStatus.DELIVERED and sale.converted_at is None
    )
    sale.outcome_form = OutcomeForm.pick(sale.pk, failed)
    sale.outcome_form.offer(sale.next_outcomes)
    sale.action_form = ActionForm.pick(sale.pk, failed)
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


def _url(path: str, query: QueryDict) -> str:
    return f"{path}?{query.urlencode()}" if query else path


def _list_page(
    request: HttpRequest, query: QueryDict, *, failed: RowForm | None = None, status: int = 200
) -> HttpResponse | None:
    buyer = _buyer(request)
    try:
        filters = purchase_filters_clean(query)
    except ApplicationError:
        filters = {}
    paginator = Paginator(buyer_purchases(buyer=buyer, **filters), PAGE_SIZE)
    page = paginator.get_page(query.get("page"))
    purchases = [_decorate(sale, failed) for sale in page.object_list]
    if RowForm.unplaced(failed, [sale.pk for sale in purchases]) is not None:
        return None  # the refused purchase is not on this page: its own page says why
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
            "here": _url(reverse("buyers:purchase_list"), query),
        },
        status=status,
    )


@organization_required
@require_GET
def purchase_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, request.GET)


def _detail_page(
    request: HttpRequest, sale: Sale, *, failed: RowForm | None = None, status: int = 200
) -> HttpResponse:
    sale = _decorate(sale, failed)
    _reveal(request, [sale])
    return render_page(
        request,
        "buyers/purchase_detail.html",
        {
            "sale": sale,
            "lead": sale.lead,
            "events": [_event_row(event) for event in sale.events.select_related("actor")],
            "here": reverse("buyers:purchase_detail", kwargs={"sale_id": sale.pk}),
        },
        status=status,
    )


@organization_required
@require_GET
def purchase_detail(request: HttpRequest, sale_id: str) -> HttpResponse:
    return _detail_page(request, _purchase(request, sale_id))


def _origin(request: HttpRequest) -> str:
    """The page the form was on (the catalog, the list), when it is this site's."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back(request: HttpRequest, sale: Sale) -> HttpResponse:
    target = _origin(request)
    return redirect(target) if target else redirect("buyers:purchase_detail", sale_id=sale.pk)


def _refused(request: HttpRequest, sale: Sale, form: RowForm) -> HttpResponse:
    """The page the form was on again, the refused form in its row with its errors."""
    origin = urlsplit(_origin(request))
    if origin.path == reverse("buyers:purchase_list"):
        page = _list_page(request, QueryDict(origin.query), failed=form, status=INVALID)
        if page is not None:
            return page
    return _detail_page(request, sale, failed=form, status=INVALID)


def _change_purchase(
    request: HttpRequest, sale_id: str, form_class: type[RowForm], change, done: str
) -> HttpResponse:
    """A form on a purchase: shape checked by the form, the rules by the service
    (``change(sale, cleaned_data)``); either's refusal is shown beside the field."""
    sale = _purchase(request, sale_id)
    form = form_class.for_row(sale.pk, request.POST)
    if form.is_valid():
        try:
            change(sale, form.cleaned_data)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, done)
            return _back(request, sale)
    return _refused(request, sale, form)


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
    """The catalog's buy button without JavaScript: buys, then shows the purchase (whose
    page logs the reveal); a refusal is shown on a page of its own, in the buy form."""
    buyer = _buyer(request)
    form = BuyForm(request.POST)
    if form.is_valid():
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
            form.add_service_error(error)
        else:
            messages.success(request, _("Lead bought."))
            return redirect("buyers:purchase_detail", sale_id=sale.pk)
    return render_page(
        request,
        "buyers/buy.html",
        {"form": form, "lead_id": lead_id, "back_url": _origin(request)},
        status=INVALID,
    )
