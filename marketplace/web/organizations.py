"""Pages of an organization: create, switch, settings, members and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.errors import ApplicationError
from marketplace.forms import (
    InvitationForm,
    OrganizationCreateForm,
    OrganizationSwitchForm,
    OrganizationUpdateForm,
    RowForm,
)
from marketplace.selectors.organizations import (
    membership_of_user,
    organization_invitation,
    organization_member,
    organization_members,
    organization_open_invitations,
)
from marketplace.services.organizations import (
    invitation_create,
    invitation_revoke,
    member_remove,
    organization_create,
    organization_update,
)
from marketplace.tasks import send_invitation_email
from marketplace.web.access import INVALID, act_for, organization_required, render_page


@login_required
@require_http_methods(["GET", "POST"])
def organization_create_view(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_create(
                name=form.cleaned_data["name"], kind=form.cleaned_data["kind"], owner=request.user
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            act_for(request, organization)
            messages.success(request, _("%(name)s is ready.") % {"name": organization.name})
            return redirect("dashboard")
    status = INVALID if request.method == "POST" else 200
    return render_page(
        request, "marketplace/organization_create.html", {"form": form}, status=status
    )


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        return render_page(request, "400.html", status=INVALID)
    membership = membership_of_user(
        user=request.user, organization_id=form.cleaned_data["organization"]
    )
    if membership is None:
        raise Http404("You are not a member of this organization.")
    act_for(request, membership.organization)
    messages.info(
        request, _("You are now working as %(name)s.") % {"name": membership.organization.name}
    )
    target = form.cleaned_data.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("dashboard")
    return redirect(target)


def _settings_page(
    request: HttpRequest,
    *,
    update_form: OrganizationUpdateForm | None = None,
    invitation_form: InvitationForm | None = None,
    revoke_failed: RowForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = request.organization
    invitations = list(organization_open_invitations(organization=organization))
    for invitation in invitations:
        invitation.revoke_form = RowForm.pick(invitation.pk, revoke_failed)
    return render_page(
        request,
        "marketplace/organization_settings.html",
        {
            "organization": organization,
            "members": organization_members(organization=organization),
            "invitations": invitations,
            "revoke_unplaced": RowForm.unplaced(revoke_failed, [i.pk for i in invitations]),
            "update_form": update_form
            or OrganizationUpdateForm(initial={"name": organization.name}),
            "invitation_form": invitation_form or InvitationForm(),
        },
        status=status,
    )


@organization_required
@require_GET
def organization_settings(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@organization_required(owner=True)
@require_POST
def organization_update_view(request: HttpRequest) -> HttpResponse:
    form = OrganizationUpdateForm(request.POST)
    if form.is_valid():
        try:
            organization_update(
                organization=request.organization, name=form.cleaned_data["name"], by=request.user
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The organization's details are saved."))
            return redirect("organization_settings")
    return _settings_page(request, update_form=form, status=INVALID)


@organization_required(owner=True)
@require_POST
def invitation_create_view(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            issued = invitation_create(
                organization=request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            accept_url = request.build_absolute_uri(
                reverse("invitation_accept", kwargs={"token": issued.token})
            )
            send_invitation_email.delay_on_commit(
                str(issued.invitation.pk), accept_url, get_language() or "en"
            )
            messages.success(
                request,
                _("An invitation was sent to %(email)s.") % {"email": issued.invitation.email},
            )
            return redirect("organization_settings")
    return _settings_page(request, invitation_form=form, status=INVALID)


@organization_required(owner=True)
@require_POST
def invitation_revoke_view(request: HttpRequest, pk: str) -> HttpResponse:
    invitation = organization_invitation(organization=request.organization, invitation_id=pk)
    if invitation is None:
        raise Http404
    try:
        invitation_revoke(invitation=invitation, by=request.user)
    except ApplicationError as error:
        failed = RowForm.refused(invitation.pk, error)
        return _settings_page(request, revoke_failed=failed, status=INVALID)
    messages.success(
        request, _("The invitation of %(email)s is withdrawn.") % {"email": invitation.email}
    )
    return redirect("organization_settings")


@organization_required(owner=True)
@require_http_methods(["GET", "POST"])
def member_remove_view(request: HttpRequest, pk: str) -> HttpResponse:
    membership = organization_member(organization=request.organization, membership_id=pk)
    if membership is None:
        raise Http404
    refused = None
    if request.method == "POST":
        try:
            member_remove(membership=membership, by=request.user)
        except ApplicationError as error:
            refused = RowForm.refused(membership.pk, error)
        else:
            messages.success(
                request,
                _("%(email)s is no longer a member.") % {"email": membership.user.email},
            )
            return redirect("organization_settings")
    return render_page(
        request,
        "marketplace/confirm.html",
        {
            "title": _("Remove %(email)s?") % {"email": membership.user.email},
            "message": _(
                "They will lose access to %(organization)s at once. "
                "You can invite them again later."
            )
            % {"organization": request.organization.name},
            "action": _("Remove member"),
            "cancel_url": reverse("organization_settings"),
            "form": refused,
        },
        status=200 if refused is None else INVALID,
    )
