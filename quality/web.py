"""Quality's pages: returns for both sides, the moderators' dispute queue and
supplier standing, the public supplier page and the supplier's own rating."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.web import staff_required
from marketplace.errors import ApplicationError, NotFound
from marketplace.forms import RowForm
from marketplace.money import format_cents
from marketplace.web.access import INVALID, organization_required, render_page
from quality.buyer_record import buyer_record_text
from quality.charts import sparkline
from quality.forms import ContestForm, ResolveForm, ReturnRequestForm, StandingForm
from quality.models import ReturnStatus
from quality.selectors import (
    buyer_purchase,
    buyer_records,
    dispute_queue,
    evidence_for,
    held_lead_count,
    open_flags,
    organization_returns,
    public_supplier,
    rating_history,
    recently_resolved_disputes,
    standing_history,
    supplier_rating,
    supplier_records,
    supplier_return,
    supplier_segment_ratings,
)
from quality.services import dispute_resolve, return_accept, return_contest, return_request
from quality.services.returns import object_id
from quality.services.standing import (
    held_leads_release,
    supplier_hold_set,
    supplier_reinstate,
    supplier_suspend,
)


def _id(value: str, what: str):
    try:
        return object_id(value, what=what)
    except NotFound:
        raise Http404(what) from None


# --- both sides: returns --------------------------------------------------------------


def _returns_page(
    request: HttpRequest, *, failed: ContestForm | None = None, status: int = 200
) -> HttpResponse:
    returns = list(organization_returns(organization=request.organization)[:100])
    for ret in returns:
        ret.contest_form = ContestForm.pick(ret.pk, failed)
    return render_page(request, "quality/returns.html", {"returns": returns}, status=status)


@organization_required
@require_GET
def return_list(request: HttpRequest) -> HttpResponse:
    return _returns_page(request)


@organization_required
@require_http_methods(["GET", "POST"])
def return_request_view(request: HttpRequest, sale_id: str) -> HttpResponse:
    if not request.organization.is_buyer:
        raise PermissionDenied(_("Returns are for buyer organizations."))
    sale = buyer_purchase(buyer=request.organization, sale_id=_id(sale_id, "purchase"))
    if sale is None:
        raise Http404(_("No such purchase."))
    reasons = sale.segment.return_reasons
    bound = request.method == "POST"  # an empty POST too: it gets its field errors
    form = ReturnRequestForm(
        request.POST if bound else None, request.FILES if bound else None, reasons=reasons
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ret = return_request(
                    buyer=request.organization,
                    sale_id=sale.pk,
                    reason=form.cleaned_data["reason"],
                    comment=form.cleaned_data["comment"],
                    evidence_note=form.cleaned_data["evidence_note"],
                    evidence_file=form.cleaned_data["evidence_file"],
                    user=request.user,
                )
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("Return requested: %(status)s.") % {"status": ret.get_status_display()},
                )
                return redirect("quality:return_list")
        status = INVALID
    return render_page(
        request, "quality/return_request.html", {"sale": sale, "form": form}, status=status
    )


def _supplier_only(request: HttpRequest) -> None:
    if not request.organization.is_supplier:
        raise PermissionDenied(_("Only the supplier answers a return."))


def _accept_confirmation(
    request: HttpRequest, return_id: str, *, refused: RowForm | None = None
) -> HttpResponse:
    """Accepting refunds the buyer at once and for good: the page asks first (and says,
    in its form, why accepting was refused)."""
    organization = request.organization
    ret = (
        organization_returns(organization=organization)
        .filter(pk=_id(return_id, "return"), supplier=organization)
        .first()
    )
    if ret is None:
        raise Http404(_("No such return."))
    if refused is None and ret.status != ReturnStatus.REQUESTED:
        messages.info(request, _("This return was already answered."))
        return redirect("quality:return_list")
    return render_page(
        request,
        "marketplace/confirm.html",
        {
            "title": _("Accept the return of lead %(lead)s?")
            % {"lead": ret.lead_external_id or ret.sale_id},
            "message": _(
                "%(buyer)s gets %(amount)s %(currency)s back and the sale is reversed; "
                "the lead is not sold again. This cannot be undone."
            )
            % {
                "buyer": ret.buyer.name,
                "amount": format_cents(ret.sale.price_cents),
                "currency": ret.sale.currency,
            },
            "action": _("Accept the return"),
            "cancel_url": reverse("quality:return_list"),
            "form": refused,
        },
        status=200 if refused is None else INVALID,
    )


@organization_required
@require_http_methods(["GET", "POST"])
def return_accept_view(request: HttpRequest, return_id: str) -> HttpResponse:
    _supplier_only(request)
    if request.method == "GET":
        return _accept_confirmation(request, return_id)
    try:
        return_accept(
            supplier=request.organization, return_id=_id(return_id, "return"), user=request.user
        )
    except NotFound:
        raise Http404(_("No such return.")) from None
    except ApplicationError as error:
        return _accept_confirmation(request, return_id, refused=RowForm.refused(return_id, error))
    messages.success(request, _("Return accepted; the buyer is refunded."))
    return redirect("quality:return_list")


@organization_required
@require_POST
def return_contest_view(request: HttpRequest, return_id: str) -> HttpResponse:
    _supplier_only(request)
    pk = _id(return_id, "return")
    if supplier_return(supplier=request.organization, return_id=pk) is None:
        raise Http404(_("No such return."))
    form = ContestForm.for_row(pk, request.POST, request.FILES)
    if form.is_valid():
        try:
            return_contest(
                supplier=request.organization,
                return_id=pk,
                comment=form.cleaned_data["comment"],
                evidence_note=form.cleaned_data["evidence_note"],
                evidence_file=form.cleaned_data["evidence_file"],
                user=request.user,
            )
        except NotFound:
            raise Http404(_("No such return.")) from None
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Return contested; a moderator will decide."))
            return redirect("quality:return_list")
    return _returns_page(request, failed=form, status=INVALID)


@require_GET
def evidence_download(request: HttpRequest, evidence_id: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    evidence = evidence_for(
        evidence_id=_id(evidence_id, "evidence"),
        user=request.user,
        organization=getattr(request, "organization", None),
    )
    if evidence is None or not evidence.file:
        raise Http404(_("No such evidence."))
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The evidence file is gone.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.file_name or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- moderators: disputes and standing ---------------------------------------------------


def _dispute_queue_page(
    request: HttpRequest, *, failed: ResolveForm | None = None, status: int = 200
) -> HttpResponse:
    disputes = list(dispute_queue()[:50])
    buyers = buyer_records({d.ret.buyer_id for d in disputes})
    suppliers = supplier_records({d.ret.supplier_id for d in disputes})
    items = [
        {
            "dispute": d,
            "ret": d.ret,
            "buyer_record": buyers[d.ret.buyer_id],
            "supplier_record": suppliers[d.ret.supplier_id],
            "grounds": buyer_record_text(d.grounds),
            "form": ResolveForm.pick(d.pk, failed),
        }
        for d in disputes
    ]
    return render_page(
        request,
        "quality/dispute_queue.html",
        {
            "items": items,
            "recent": recently_resolved_disputes(),
            "unplaced": RowForm.unplaced(failed, [d.pk for d in disputes]),
        },
        status=status,
    )


@staff_required
@require_GET
def dispute_queue_view(request: HttpRequest) -> HttpResponse:
    return _dispute_queue_page(request)


@staff_required
@require_POST
def dispute_resolve_view(request: HttpRequest, dispute_id: str) -> HttpResponse:
    pk = _id(dispute_id, "dispute")
    form = ResolveForm.for_row(pk, request.POST)
    if form.is_valid():
        try:
            dispute_resolve(
                dispute_id=pk,
                moderator=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except NotFound:
            raise Http404(_("No such dispute.")) from None
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Dispute resolved; both sides are told by email."))
            return redirect("quality:dispute_queue")
    return _dispute_queue_page(request, failed=form, status=INVALID)


def _supplier_or_404(supplier_id: str):
    supplier = public_supplier(supplier_id=_id(supplier_id, "supplier"))
    if supplier is None:
        raise Http404(_("No such supplier."))
    return supplier


def _standing_page(
    request: HttpRequest, supplier, *, form: StandingForm | None = None, status: int = 200
) -> HttpResponse:
    return render_page(
        request,
        "quality/supplier_standing.html",
        {
            "supplier": supplier,
            "rating": supplier_rating(supplier=supplier),
            "record": supplier_records({supplier.pk})[supplier.pk],
            "events": standing_history(supplier=supplier),
            "flags": open_flags(organization=supplier),
            "held_leads": held_lead_count(supplier=supplier),
            "form": form or StandingForm(),
        },
        status=status,
    )


@staff_required
@require_GET
def supplier_standing_view(request: HttpRequest, supplier_id: str) -> HttpResponse:
    return _standing_page(request, _supplier_or_404(supplier_id))


def _standing_apply(supplier, moderator, action: str, reason: str) -> int | None:
    """The standing service ``action`` names; "release" answers how many leads it freed."""
    common = {"supplier_id": supplier.pk, "moderator": moderator, "reason": reason}
    if action == "suspend":
        supplier_suspend(**common)
    elif action == "reinstate":
        supplier_reinstate(**common)
    elif action in ("hold", "unhold"):
        supplier_hold_set(**common, hold=action == "hold")
    else:
        return held_leads_release(**common)
    return None


@staff_required
@require_POST
def supplier_standing_action(request: HttpRequest, supplier_id: str) -> HttpResponse:
    supplier = _supplier_or_404(supplier_id)
    form = StandingForm(request.POST)
    if form.is_valid():
        try:
            count = _standing_apply(
                supplier, request.user, form.cleaned_data["action"], form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            if count is not None:
                messages.info(request, _("%(count)d held leads released.") % {"count": count})
            messages.success(request, _("Done."))
            return redirect("quality:supplier_standing", supplier_id=supplier.pk)
    return _standing_page(request, supplier, form=form, status=INVALID)


# --- ratings ---------------------------------------------------------------------------

METRIC_LABELS = {
    "return": gettext_lazy("Accepted returns"),
    "dispute": gettext_lazy("Disputes lost"),
    "contact": gettext_lazy("Contact rate (buyers' outcomes)"),
    "conversion": gettext_lazy("Conversion rate (buyers' outcomes)"),
    "action": gettext_lazy("Pay-per-action actions reported"),
    "intake": gettext_lazy("Leads rejected at intake (duplicates, invalid)"),
}


def _trend(supplier) -> object:
    return sparkline([row.score for row in rating_history(supplier_id=supplier.pk)])


@require_GET
def supplier_public(request: HttpRequest, supplier_id: str) -> HttpResponse:
    """Anyone may see a supplier's rating before buying from it."""
    supplier = _supplier_or_404(supplier_id)
    return render_page(
        request,
        "quality/supplier_public.html",
        {
            "supplier": supplier,
            "rating": supplier_rating(supplier=supplier),
            "segments": supplier_segment_ratings(supplier=supplier),
            "trend": _trend(supplier),
        },
    )


@organization_required
@require_GET
def my_rating(request: HttpRequest) -> HttpResponse:
    supplier = request.organization
    if not supplier.is_supplier:
        raise PermissionDenied(_("Ratings are for supplier organizations."))
    rating = supplier_rating(supplier=supplier)
    breakdown = sorted(
        (
            (METRIC_LABELS.get(metric, metric), part)
            for metric, part in (rating.components if rating else {}).items()
        ),
        key=lambda item: -item[1]["points_lost"],
    )
    return render_page(
        request,
        "quality/my_rating.html",
        {
            "supplier": supplier,
            "rating": rating,
            "breakdown": breakdown,
            "segments": supplier_segment_ratings(supplier=supplier),
            "trend": _trend(supplier),
        },
    )
