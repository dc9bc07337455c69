"""The buyer's catalog page: the API's filters as a form, a results table with masked
previews and a buy button per lead that posts to the purchase API in place (htmx)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from marketplace.catalog_cursor import cursor_decode, page_count
from marketplace.catalog_items import catalog_item
from marketplace.catalog_params import ATTRIBUTE_PREFIX, catalog_filters_parse, limit_parse
from marketplace.errors import ValidationFailed
from marketplace.models import BillingModel, Segment, Temperature
from marketplace.selectors.catalog import (
    CatalogFilters,
    catalog_page,
    catalog_query,
)
from marketplace.selectors.segments import active_segment_list
from marketplace.web.access import organization_required, render_page


@dataclass(frozen=True)
class AttributeControl:
    """One input of the attribute filters for the chosen segment."""

    name: str  # the query parameter
    label: str
    kind: str  # "number", "choice", "text"
    value: str
    choices: tuple[str, ...] = ()


def _attribute_controls(segment: Segment | None, params) -> list[AttributeControl]:
    if segment is None:
        return []
    controls = []
    for name, prop in ((segment.fields or {}).get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        label = name.replace("_", " ").capitalize()
        kind = prop.get("type")
        if kind in ("integer", "number"):
            for suffix, bound in (("_min", _("from")), ("_max", _("to"))):
                key = f"{ATTRIBUTE_PREFIX}{name}{suffix}"
                controls.append(
                    AttributeControl(key, f"{label} {bound}", "number", params.get(key, ""))
                )
        elif kind == "string" and isinstance(prop.get("enum"), list):
            key = f"{ATTRIBUTE_PREFIX}{name}"
            choices = tuple(str(choice) for choice in prop["enum"])
            controls.append(AttributeControl(key, label, "choice", params.get(key, ""), choices))
        elif kind == "boolean":
            key = f"{ATTRIBUTE_PREFIX}{name}"
            controls.append(
                AttributeControl(key, label, "choice", params.get(key, ""), ("true", "false"))
            )
    return controls


_TEMPERATURES = dict(Temperature.choices)


def _page_item(lead, *, now) -> dict:
    """The API's item plus what the table shows in words."""
    return {
        **catalog_item(lead, now=now),
        "listed_at": lead.created_at,
        "segment_name": lead.segment.name,
        "temperature_label": _TEMPERATURES.get(lead.temperature, ""),
    }


@organization_required
@require_GET
def catalog_browse(request: HttpRequest) -> HttpResponse:
    buyer = request.organization
    if not buyer.is_buyer:
        raise PermissionDenied(_("The marketplace is for buyer organizations."))
    params = request.GET
    errors: dict[str, list[str]] = {}
    filters = CatalogFilters()
    page = count = None
    try:
        filters = catalog_filters_parse(params)
        limit = limit_parse(params)
        now = timezone.now()
        cursor = cursor_decode(params, buyer_id=buyer.pk, now=now.timestamp())
    except ValidationFailed as problem:
        errors = problem.fields
    else:
        query = catalog_query(buyer=buyer, filters=filters, now=now)
        page = catalog_page(query=query, limit=limit, after=cursor.position)
        listed = page_count(
            query=query, cursor=cursor, rows=len(page.leads), next_position=page.next_position
        )
        count = listed.count
    next_query = None
    if page is not None and listed.next_cursor is not None:
        query = params.copy()
        query["cursor"] = listed.next_cursor
        next_query = query.urlencode()
    first_query = None
    if params.get("cursor"):
        query = params.copy()
        query.pop("cursor")
        first_query = query.urlencode()
    segment = filters.segment
    if segment is None and params.get("segment"):
        segment = active_segment_list().filter(slug=params.get("segment", "")[:50]).first()
    return render_page(
        request,
        "marketplace/catalog.html",
        {
            "items": [_page_item(lead, now=page.now) for lead in page.leads] if page else [],
            "count": count,
            "errors": errors,
            "params": params,
            "segments": active_segment_list(),
            "temperatures": Temperature.choices,
            "billing_models": BillingModel.choices,
            "attribute_controls": _attribute_controls(segment, params),
            "next_query": next_query,
            "first_query": first_query,
            # One idempotency key per page view and lead: a double click buys once.
            "page_token": uuid.uuid4().hex,
        },
        status=400 if errors else 200,
    )
