"""The public opt-out page, its confirmation link and the moderators' queue of
phone requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.web import staff_required
from marketplace.errors import ApplicationError, NotFound
from marketplace.forms import RowForm
from marketplace.web.access import render_page
from quality.forms import OptOutForm
from quality.selectors import optout_queue
from quality.services.optout import optout_confirm, optout_pending, optout_process, optout_request
from quality.services.returns import object_id
from quality.tasks import send_optout_link

# Requests per client address per hour: each email request mails a stranger.
RATE_PER_HOUR = 10


def _over_rate(request: HttpRequest) -> bool:
    key = f"optout-rate:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, 60 * 60)
    try:
        return cache.incr(key) > RATE_PER_HOUR
    except ValueError:
        return False


@require_http_methods(["GET", "POST"])
def optout_page(request: HttpRequest) -> HttpResponse:
    form = OptOutForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid() and _over_rate(request):
            form.add_error(None, _("Too many requests from your address; try again later."))
            return render_page(request, "quality/optout.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                optout, token = optout_request(
                    email=form.cleaned_data["email"], phone=form.cleaned_data["phone"]
                )
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                if token:
                    url = request.build_absolute_uri(
                        reverse("quality:optout_confirm", args=[token])
                    )
                    optout_id = str(optout.pk)
                    transaction.on_commit(lambda: send_optout_link.delay(optout_id, url))
                return render_page(request, "quality/optout_sent.html", {"optout": optout})
        return render_page(request, "quality/optout.html", {"form": form}, status=400)
    return render_page(request, "quality/optout.html", {"form": form})


@require_http_methods(["GET", "POST"])
def optout_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST erases."""
    try:
        if request.method == "GET":
            optout_pending(token=token)
            return render_page(request, "quality/optout_confirm.html", {"done": None})
        optout = optout_confirm(token=token)
    except (NotFound, ApplicationError):
        raise Http404(_("This link is not valid.")) from None
    return render_page(request, "quality/optout_confirm.html", {"done": optout})


def _queue_page(
    request: HttpRequest, *, failed: RowForm | None = None, status: int = 200
) -> HttpResponse:
    requests = list(optout_queue()[:100])
    for item in requests:
        item.process_form = RowForm.pick(item.pk, failed)
    return render_page(
        request,
        "quality/optout_queue.html",
        {"requests": requests, "unplaced": RowForm.unplaced(failed, [r.pk for r in requests])},
        status=status,
    )


@staff_required
@require_GET
def optout_queue_view(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


@staff_required
@require_POST
def optout_process_view(request: HttpRequest, request_id: str) -> HttpResponse:
    try:
        pk = object_id(request_id, what="request")
        done = optout_process(request_id=pk, moderator=request.user)
    except NotFound:
        raise Http404(_("No such request.")) from None
    except ApplicationError as error:
        return _queue_page(request, failed=RowForm.refused(pk, error), status=400)
    messages.success(
        request,
        _("Erased %(leads)d leads; %(buyers)d buyers asked to erase theirs.")
        % {"leads": done.leads_wiped, "buyers": done.buyers_told},
    )
    return redirect("quality:optout_queue")
