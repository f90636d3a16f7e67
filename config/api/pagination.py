"""Cursor pagination: stable under inserts, no counting of large tables."""

from urllib.parse import parse_qs, urlsplit

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


def cursor_of(url: str | None) -> str | None:
    """The ``cursor`` a page's link carries: what a client passes straight back."""
    if not url:
        return None
    return (parse_qs(urlsplit(url).query).get("cursor") or [None])[0]


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data: list) -> Response:
        next_url, previous_url = self.get_next_link(), self.get_previous_link()
        return Response(
            {
                "next_cursor": cursor_of(next_url),
                "previous_cursor": cursor_of(previous_url),
                "next": next_url,
                "previous": previous_url,
                "results": data,
            }
        )


CURSOR_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        str,
        OpenApiParameter.QUERY,
        required=False,
        description="The `next_cursor` (or `previous_cursor`) of the page before, as it came.",
    ),
    OpenApiParameter(
        "page_size",
        int,
        OpenApiParameter.QUERY,
        required=False,
        description="Rows per page, 1–200 (default 50).",
    ),
]


def paginated(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The page a cursor-paginated list returns: the cursors, the links and ``results``."""
    return type(
        f"Paginated{item.__name__.removesuffix('Out')}List",
        (serializers.Serializer,),
        {
            "next_cursor": serializers.CharField(
                allow_null=True, help_text="Pass back as `cursor` for the next page; null on the last."
            ),
            "previous_cursor": serializers.CharField(
                allow_null=True, help_text="Pass back as `cursor` for the page before; null on the first."
            ),
            "next": serializers.URLField(allow_null=True, help_text="The next page's address."),
            "previous": serializers.URLField(allow_null=True, help_text="The page before's address."),
            "results": item(many=True),
        },
    )
