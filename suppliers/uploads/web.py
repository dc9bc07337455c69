"""Upload pages: choose a file and a segment, confirm the columns, watch the
progress bar (htmx polling), read the summary and fetch the error report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.errors import ApplicationError, NotFound
from marketplace.web.access import organization_required, render_page
from suppliers.uploads.forms import MappingForm, UploadForm
from suppliers.uploads.mapping import FIELDS, REQUIRED_FIELDS, missing_required
from suppliers.uploads.models import Upload, UploadStatus
from suppliers.uploads.selectors import supplier_upload, supplier_uploads
from suppliers.uploads.services import upload_confirm_mapping, upload_create

_REASON_LABELS = {name: str(label) for name, label in FIELDS.items()}


def _supplier(request: HttpRequest):
    organization = request.organization
    if not organization.is_supplier:
        raise PermissionDenied(_("Uploads are for supplier organizations."))
    return organization


def _own_upload(request: HttpRequest, upload_id: str) -> Upload:
    try:
        return supplier_upload(supplier=_supplier(request), upload_id=upload_id)
    except NotFound:
        raise Http404("No such upload.") from None


def _list_page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    uploads = list(supplier_uploads(supplier=_supplier(request))[:30])
    return render_page(
        request, "suppliers/uploads.html", {"form": form, "uploads": uploads}, status=status
    )


@organization_required
@require_http_methods(["GET", "POST"])
def upload_list(request: HttpRequest) -> HttpResponse:
    supplier = _supplier(request)
    if request.method == "GET":
        return _list_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    file = form.cleaned_data["file"]
    try:
        upload = upload_create(
            supplier=supplier,
            segment_slug=form.cleaned_data["segment"],
            chunks=file.chunks(),
            original_name=file.name or "",
            size_hint=file.size,
            created_by=request.user,
            await_mapping=True,
        )
    except ApplicationError as error:
        form.add_service_error(error)
        return _list_page(request, form, status=413 if error.status == 413 else 400)
    return redirect("suppliers:upload_detail", upload_id=upload.pk)


def _summary(upload: Upload) -> list[tuple[str, int]]:
    labels = {
        "duplicate": str(_("Duplicate person")),
        "resent": str(_("external_id sent before")),
        "suppressed": str(_("Suppressed person")),
        "no_consent": str(_("No consent")),
        "row": str(_("Malformed row")),
    }
    rows = []
    for key, count in sorted(upload.reason_counts.items(), key=lambda item: -item[1]):
        label = labels.get(key) or _("Invalid %(field)s") % {
            "field": _REASON_LABELS.get(key, key).lower() if key in _REASON_LABELS else key
        }
        rows.append((str(label), count))
    return rows


def _detail_context(upload: Upload, form: MappingForm | None = None) -> dict:
    context: dict = {"upload": upload, "reasons": _summary(upload)}
    if upload.status == UploadStatus.AWAITING_MAPPING:
        form = form or MappingForm(upload=upload)
        context["form"] = form
        context["required"] = [*REQUIRED_FIELDS, "phone or email"]
        context["missing"] = missing_required(
            {int(index): target for index, target in upload.column_map.items()}
        )
    return context


@organization_required
@require_GET
def upload_detail(request: HttpRequest, upload_id: str) -> HttpResponse:
    upload = _own_upload(request, upload_id)
    return render_page(request, "suppliers/upload_detail.html", _detail_context(upload))


@organization_required
@require_POST
def upload_mapping(request: HttpRequest, upload_id: str) -> HttpResponse:
    upload = _own_upload(request, upload_id)
    if upload.status != UploadStatus.AWAITING_MAPPING:
        return redirect("suppliers:upload_detail", upload_id=upload.pk)
    form = MappingForm(request.POST, upload=upload)
    if form.is_valid():
        try:
            upload_confirm_mapping(upload=upload, choices=form.choices())
        except ApplicationError as error:
            form.add_error(None, error.message)
            for problems in error.fields.values():
                for problem in problems:
                    if problem != error.message:
                        form.add_error(None, problem)
        else:
            return redirect("suppliers:upload_detail", upload_id=upload.pk)
    return render_page(
        request, "suppliers/upload_detail.html", _detail_context(upload, form), status=400
    )


@organization_required
@require_GET
def upload_progress(request: HttpRequest, upload_id: str) -> HttpResponse:
    """The progress fragment the detail page polls (htmx) while the upload runs."""
    upload = _own_upload(request, upload_id)
    return render_page(request, "suppliers/_upload_progress.html", _detail_context(upload))
