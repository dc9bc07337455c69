"""API keys of the organization: list, create (shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.errors import ApplicationError
from marketplace.forms import ApiKeyForm, RowForm
from marketplace.selectors.organizations import organization_api_key, organization_api_keys
from marketplace.services.api_keys import IssuedApiKey, api_key_create, api_key_revoke
from marketplace.web.access import organization_required, render_page


def _api_keys_page(
    request: HttpRequest,
    *,
    form: ApiKeyForm | None = None,
    issued: IssuedApiKey | None = None,
    status: int = 200,
) -> HttpResponse:
    return render_page(
        request,
        "marketplace/api_keys.html",
        {
            "api_keys": organization_api_keys(organization=request.organization),
            "form": form or ApiKeyForm(),
            "issued": issued,
            "leads_endpoint": request.build_absolute_uri(reverse("api:lead-list")),
            "docs_url": reverse("api:docs"),
        },
        status=status,
    )


@organization_required
@require_GET
def api_key_list(request: HttpRequest) -> HttpResponse:
    return _api_keys_page(request)


@organization_required(owner=True)
@require_POST
def api_key_create_view(request: HttpRequest) -> HttpResponse:
    # The raw key lives only in this response: it is neither stored nor put
    # in the session, so the page is not a redirect target.
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            issued = api_key_create(
                organization=request.organization,
                name=form.cleaned_data["name"],
                created_by=request.user,
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            return _api_keys_page(request, issued=issued)
    return _api_keys_page(request, form=form, status=400)


@organization_required(owner=True)
@require_http_methods(["GET", "POST"])
def api_key_revoke_view(request: HttpRequest, pk: str) -> HttpResponse:
    api_key = organization_api_key(organization=request.organization, api_key_id=pk)
    if api_key is None:
        raise Http404
    refused = None
    if request.method == "POST":
        try:
            api_key_revoke(api_key=api_key)
        except ApplicationError as error:
            refused = RowForm.refused(api_key.pk, error)
        else:
            messages.success(request, _("The key “%(name)s” is revoked.") % {"name": api_key.name})
            return redirect("api_key_list")
    return render_page(
        request,
        "marketplace/confirm.html",
        {
            "title": _("Revoke the key “%(name)s”?") % {"name": api_key.name},
            "message": _(
                "Systems that use the key %(prefix)s… stop working at once: "
                "their calls are refused with 401. This cannot be undone."
            )
            % {"prefix": api_key.prefix},
            "action": _("Revoke key"),
            "cancel_url": reverse("api_key_list"),
            "form": refused,
        },
        status=200 if refused is None else 400,
    )
