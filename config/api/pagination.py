"""Cursor pagination: stable under inserts, no counting of large tables."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


CURSOR_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        str,
        OpenApiParameter.QUERY,
        required=False,
        description="The opaque cursor from `next` or `previous`.",
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
    """The page a cursor-paginated list returns: ``next``, ``previous`` and ``results``."""
    return type(
        f"Paginated{item.__name__.removesuffix('Out')}List",
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )
