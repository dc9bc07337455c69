"""Buyer API: browsing the catalog of leads it can buy."""

from __future__ import annotations

from json.encoder import encode_basestring

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from marketplace.api.permissions import IsBuyer, acting_organization
from marketplace.api.schema import error_responses
from marketplace.catalog_cursor import CatalogCursor, cursor_decode, page_count
from marketplace.catalog_items import catalog_items, catalog_items_json
from marketplace.catalog_params import catalog_filters_parse, limit_parse
from marketplace.models import BillingModel, Temperature
from marketplace.selectors.catalog import (
    catalog_json_page,
    catalog_page,
    catalog_query,
)


def _money(help_text: str = "", **kwargs) -> serializers.CharField:
    return serializers.CharField(help_text=help_text or 'A decimal string: "12.50".', **kwargs)


class CatalogItemSerializer(serializers.Serializer):
    """Documentation of ``catalog_item``'s shape."""

    id = serializers.CharField()
    segment = serializers.CharField()
    country = serializers.CharField()
    region = serializers.CharField()
    city = serializers.CharField()
    temperature = serializers.CharField()
    source = serializers.CharField()
    captured_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    attributes = serializers.DictField()
    qualification = serializers.DictField()
    price = _money("The CPL price now, after the segment's age discount.")
    cpa_price = _money("The CPA price now; null: CPA is not offered.", allow_null=True)
    original_price = _money("The supplier's price before the age discount.")
    original_cpa_price = _money(allow_null=True)
    discount_percent = serializers.IntegerField()
    currency = serializers.CharField()
    max_sales = serializers.IntegerField()
    sales_count = serializers.IntegerField()
    sales_remaining = serializers.IntegerField()
    sold = inline_serializer(
        "CatalogSold", {"count": serializers.IntegerField(), "of": serializers.IntegerField()}
    )
    supplier = inline_serializer(
        "CatalogSupplier",
        {
            "id": serializers.CharField(),
            "name": serializers.CharField(),
            "rating": inline_serializer(
                "CatalogSupplierRating",
                {"score": serializers.IntegerField(), "tier": serializers.CharField()},
                allow_null=True,
            ),
        },
    )
    preview = inline_serializer(
        "CatalogPreview",
        {
            "first_name": serializers.CharField(help_text='The initial: "A."'),
            "phone": serializers.CharField(allow_null=True, help_text='"+48 60* *** *67"'),
            "email": serializers.CharField(allow_null=True, help_text='"a***@example.pl"'),
        },
    )


_PARAMETERS = [
    OpenApiParameter("segment", str, description="A segment slug (see /api/v1/segments/)."),
    OpenApiParameter("country", str, description="ISO 3166 code, e.g. PL."),
    OpenApiParameter("region", str, description="ISO 3166-2 code, e.g. PL-MZ."),
    OpenApiParameter("temperature", str, enum=Temperature.values),
    OpenApiParameter(
        "max_price",
        str,
        description='Listed price (after the age discount) at most, e.g. "20.00"; with '
        "billing_model=cpa, the CPA price.",
    ),
    OpenApiParameter("billing_model", str, enum=BillingModel.values),
    OpenApiParameter("min_rating", int, description="Supplier rating score 0-100 at least."),
    OpenApiParameter("max_age_hours", int, description="Created at most this many hours ago."),
    OpenApiParameter(
        "attr.<name>",
        OpenApiTypes.STR,
        description="A segment attribute equals (attr.purpose=car); numeric ones also take "
        "attr.<name>_min and attr.<name>_max. Needs segment.",
    ),
    OpenApiParameter("limit", int, description="1-200, default 50."),
    OpenApiParameter("cursor", str),
]


class CatalogLeadListApi(APIView):
    """Leads this buyer can buy, newest first, with masked previews and listed prices."""

    permission_classes = [IsBuyer]

    @extend_schema(
        parameters=_PARAMETERS,
        responses={
            200: inline_serializer(
                "CatalogPage",
                {
                    "results": CatalogItemSerializer(many=True),
                    "next": serializers.URLField(allow_null=True),
                    "count": serializers.IntegerField(
                        help_text="Leads matching: counted for the first page; the next links"
                        " carry that count to deeper pages for up to 5 minutes (a list that"
                        " changed meanwhile shows its count as of the first page)."
                    ),
                    "count_exact": serializers.BooleanField(
                        help_text="false: more than 10,000 match and count is an estimate."
                    ),
                },
            ),
            **error_responses(401, 403, 422),
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        filters = catalog_filters_parse(params)
        limit = limit_parse(params)
        buyer = acting_organization(request)
        now = timezone.now()
        cursor = cursor_decode(params, buyer_id=buyer.pk, now=now.timestamp())
        query = catalog_query(buyer=buyer, filters=filters, now=now)
        if connection.vendor == "postgresql":
            return self._json_page(request, query, limit=limit, cursor=cursor)
        page = catalog_page(query=query, limit=limit, after=cursor.position)
        listed = page_count(
            query=query, cursor=cursor, rows=len(page.leads), next_position=page.next_position
        )
        return Response(
            {
                "results": catalog_items(page.leads, now=now),
                "next": self._next_url(request, listed.next_cursor),
                "count": listed.count.value,
                "count_exact": listed.count.exact,
            }
        )

    @staticmethod
    def _next_url(request: Request, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(request.build_absolute_uri(), "cursor", cursor)

    def _json_page(
        self, request: Request, query, *, limit: int, cursor: CatalogCursor
    ) -> HttpResponse:
        """The same answer written as JSON text around the stored JSON the page's SQL
        returns (the hot path: no JSON decoded and re-encoded, no UUID objects), in
        DRF's compact form (``JSONRenderer``, U+2028/2029 escaped)."""
        page = catalog_json_page(query=query, limit=limit, after=cursor.position)
        listed = page_count(
            query=query, cursor=cursor, rows=len(page.rows), next_position=page.next_position
        )
        count = listed.count
        next_url = self._next_url(request, listed.next_cursor)
        body = (
            '{"results":'
            + catalog_items_json(page.rows, segments=query.segments, now=page.now)
            + ',"next":'
            + ("null" if next_url is None else encode_basestring(next_url))
            + f',"count":{int(count.value)},"count_exact":{"true" if count.exact else "false"}}}'
        )
        body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        return HttpResponse(body.encode(), content_type="application/json")
