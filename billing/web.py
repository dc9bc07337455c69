"""Billing's pages: a supplier's payouts, every organization's monthly statements,
and the moderators' payout queue and manual adjustments."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.forms import (
    AdjustmentForm,
    PayoutApproveForm,
    PayoutMarkPaidForm,
    PayoutRejectForm,
    PayoutRequestForm,
)
from billing.models.payouts import PayoutMethod, PayoutStatus
from billing.selectors import wallet_balances
from billing.selectors_payouts import (
    organization_adjustments,
    organization_payouts,
    payout_queue,
    recent_payouts,
)
from billing.services import adjustment_post
from billing.services.payouts import (
    payout_approve,
    payout_mark_paid,
    payout_reject,
    payout_request,
)
from billing.services.statements import (
    month_parse,
    organization_statement,
    statement_csv,
    statement_months,
)
from marketplace.errors import ApplicationError
from marketplace.forms import RowForm
from marketplace.models import Organization
from marketplace.money import format_cents
from marketplace.web.access import organization_required, render_page

View = Callable[..., HttpResponse]


def staff_required(view_func: View) -> View:
    """Signed in (else the login page) and staff (else 403)."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_moderator", False):
            raise PermissionDenied(_("Only moderators can do this."))
        return view_func(request, *args, **kwargs)

    return login_required(wrapper)


# --- supplier: payouts -----------------------------------------------------------


def _supplier_only(request: HttpRequest) -> None:
    if not request.organization.is_supplier:
        raise PermissionDenied(_("Payouts are for supplier organizations."))


def _payouts_page(
    request: HttpRequest, *, form: PayoutRequestForm | None = None, status: int = 200
) -> HttpResponse:
    _supplier_only(request)
    organization = request.organization
    payouts = list(organization_payouts(organization=organization)[:50])
    return render_page(
        request,
        "billing/payouts.html",
        {
            "balances": wallet_balances(organization=organization),
            "payouts": payouts,
            "open_payout": next((p for p in payouts if p.is_open), None),
            "form": form or PayoutRequestForm(),
        },
        status=status,
    )


@organization_required
@require_GET
def payout_list(request: HttpRequest) -> HttpResponse:
    return _payouts_page(request)


@organization_required
@require_POST
def payout_request_view(request: HttpRequest) -> HttpResponse:
    _supplier_only(request)
    form = PayoutRequestForm(request.POST)
    if form.is_valid():
        try:
            payout = payout_request(
                organization=request.organization,
                requested_by=request.user,
                amount_cents=form.cleaned_data["amount"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Payout of %(amount)s %(currency)s requested.")
                % {"amount": format_cents(payout.amount_cents), "currency": payout.currency},
            )
            return redirect("billing:payout_list")
    return _payouts_page(request, form=form, status=400)


# --- every organization: statements -------------------------------------------------


@organization_required
@require_GET
def statement_index(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "billing/statements.html",
        {"months": statement_months(organization=request.organization)},
    )


def _statement(request: HttpRequest, month: str):
    parsed = month_parse(month)
    if parsed is None:
        raise Http404("No statement for that month.")
    return organization_statement(organization=request.organization, month=parsed)


@organization_required
@require_GET
def statement_detail(request: HttpRequest, month: str) -> HttpResponse:
    return render_page(
        request, "billing/statement_detail.html", {"statement": _statement(request, month)}
    )


@organization_required
@require_GET
def statement_download(request: HttpRequest, month: str) -> HttpResponse:
    statement = _statement(request, month)
    response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
    filename = f"leadmarket-statement-{statement.label}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- moderators: payout queue --------------------------------------------------------


def _queue_page(
    request: HttpRequest, *, failed: RowForm | None = None, status: int = 200
) -> HttpResponse:
    """The queue; a refused decision comes back in its payout's row (or above the queue
    when the payout left it meanwhile)."""
    requested = payout_queue(status=PayoutStatus.REQUESTED)
    approved = payout_queue(status=PayoutStatus.APPROVED)
    for item in requested:
        item.payout.approve_form = PayoutApproveForm.pick(item.payout.pk, failed)
        item.payout.reject_form = PayoutRejectForm.pick(item.payout.pk, failed)
    for item in approved:
        item.payout.mark_paid_form = PayoutMarkPaidForm.pick(item.payout.pk, failed)
    shown = [item.payout.pk for item in requested + approved]
    return render_page(
        request,
        "billing/moderation_payouts.html",
        {
            "requested": requested,
            "approved": approved,
            "recent": recent_payouts(),
            "manual": PayoutMethod.MANUAL,
            "unplaced": RowForm.unplaced(failed, shown),
        },
        status=status,
    )


@staff_required
@require_GET
def moderation_payouts(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


def _decided(
    request: HttpRequest, form: RowForm, action: Callable[[dict], object], done: str
) -> HttpResponse:
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, done)
            return redirect("billing:moderation_payouts")
    return _queue_page(request, failed=form, status=400)


@staff_required
@require_POST
def moderation_payout_approve(request: HttpRequest, payout_id: str) -> HttpResponse:
    def approve(_data: dict) -> None:
        payout = payout_approve(payout_id=payout_id, moderator=request.user)
        if payout.status == PayoutStatus.FAILED:
            raise ApplicationError(_("The transfer failed: %s") % payout.failure_reason)

    form = PayoutApproveForm.for_row(payout_id, request.POST)
    return _decided(request, form, approve, _("Payout approved."))


@staff_required
@require_POST
def moderation_payout_reject(request: HttpRequest, payout_id: str) -> HttpResponse:
    return _decided(
        request,
        PayoutRejectForm.for_row(payout_id, request.POST),
        lambda data: payout_reject(
            payout_id=payout_id, moderator=request.user, reason=data["reason"]
        ),
        _("Payout rejected; the money is back in the supplier's payable balance."),
    )


@staff_required
@require_POST
def moderation_payout_mark_paid(request: HttpRequest, payout_id: str) -> HttpResponse:
    return _decided(
        request,
        PayoutMarkPaidForm.for_row(payout_id, request.POST),
        lambda data: payout_mark_paid(
            payout_id=payout_id, moderator=request.user, reference=data["reference"]
        ),
        _("Payout marked paid."),
    )


# --- moderators: manual adjustments --------------------------------------------------


def _selected_organization(request: HttpRequest, form: AdjustmentForm) -> Organization | None:
    if form.is_bound and form.is_valid():
        return form.cleaned_data["organization"]
    wanted = request.GET.get("organization") or (request.POST.get("organization") or "")
    field = AdjustmentForm.base_fields["organization"]
    try:
        return field.clean(wanted) if wanted else None
    except forms.ValidationError:  # a malformed or unknown id: no organization selected
        return None


@staff_required
@require_http_methods(["GET", "POST"])
def moderation_adjustments(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            organization = form.cleaned_data["organization"]
            try:
                adjustment_post(
                    organization=organization,
                    amount_cents=form.signed_amount(),
                    reason=form.cleaned_data["reason"],
                    actor=request.user.email,
                    account_kind=form.cleaned_data["account_kind"],
                )
            except ApplicationError as error:
                form.add_service_error(error)
                status = 400
            else:
                messages.success(
                    request,
                    _("Adjustment of %(amount)s posted for %(organization)s.")
                    % {
                        "amount": format_cents(form.signed_amount()),
                        "organization": organization.name,
                    },
                )
                return redirect(
                    f"{request.path}?organization={organization.pk}",
                )
        else:
            status = 400
    else:
        initial = {}
        if request.GET.get("organization"):
            initial["organization"] = request.GET["organization"]
        form = AdjustmentForm(initial=initial)
    organization = _selected_organization(request, form)
    context = {"form": form, "organization": organization}
    if organization is not None:
        context["balances"] = wallet_balances(organization=organization)
        context["adjustments"] = organization_adjustments(organization=organization)
    return render_page(request, "billing/moderation_adjustments.html", context, status=status)
