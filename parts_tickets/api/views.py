"""Parts-centre API: a centre's systems list, read and work its parts-support requests.

Only a parts centre's key reaches these endpoints, on its manufacturer's host;
every lookup is filtered by that centre, so another centre's request is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import ApiView, check_if_match, etag_of
from config.api.pagination import CURSOR_PARAMETERS, NewestFirst, paginated
from config.api.schema import READ_ERRORS, WRITE_ERRORS, WRITE_HEADERS, problems
from tenants.api.authentication import ApiKeyAuthentication, actor_of
from tenants.api.idempotency import idempotent
from tenants.api.permissions import Declared

from .. import services
from ..models import PartsRequest
from ..selectors import parts_request_for_centre, parts_requests_for_centre
from .serializers import (
    BackOrderIn,
    DeliveredIn,
    PartsRequestDetailOut,
    PartsRequestFilter,
    PartsRequestOut,
    RejectIn,
    ShipmentIn,
)

TAG = ["parts centre"]
LINE_NO = OpenApiParameter("line_no", int, OpenApiParameter.PATH, description="The line (1–6).")


class PartsCentreView(ApiView):
    authentication_classes = [ApiKeyAuthentication]  # centres work through keys only
    permission_classes = [Declared]
    permission_actions = {"GET": "parts.read", "POST": "parts.work"}

    @property
    def centre_id(self) -> int:
        return self.request.auth.parts_centre_id


def _detail(request: PartsRequest, status_code: int = 200) -> Response:
    request = parts_request_for_centre(parts_centre_id=request.parts_centre_id, number=request.number)
    return Response(
        PartsRequestDetailOut(request).data, status=status_code, headers={"ETag": etag_of(request.version)}
    )


class PartsRequestList(PartsCentreView):
    @extend_schema(
        tags=TAG,
        operation_id="parts_requests_list",
        parameters=[PartsRequestFilter, *CURSOR_PARAMETERS],
        responses={200: paginated(PartsRequestOut), **problems(READ_ERRORS)},
        summary="The centre's parts-support requests, newest first",
    )
    def get(self, request: Request) -> Response:
        filters = PartsRequestFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        requests = parts_requests_for_centre(
            parts_centre_id=self.centre_id,
            manufacturer_id=request.auth.parts_centre.manufacturer_id,
            state=filters.validated_data.get("state", ""),
            dealer_code=filters.validated_data.get("dealer", ""),
            since=filters.validated_data.get("since"),
        )
        paginator = NewestFirst()
        page = paginator.paginate_queryset(requests, request, view=self)
        return paginator.get_paginated_response(PartsRequestOut(page, many=True).data)


class PartsRequestDetail(PartsCentreView):
    @extend_schema(
        tags=TAG,
        operation_id="parts_requests_read",
        responses={200: PartsRequestDetailOut, **problems(READ_ERRORS)},
        summary="One request with its lines; the ETag is its version",
    )
    def get(self, request: Request, number: str) -> Response:
        return _detail(parts_request_for_centre(parts_centre_id=self.centre_id, number=number))


class _Action(PartsCentreView):
    """A write on one request: If-Match checked under the row lock, retries made safe by key."""

    input_serializer: type | None = None

    def act(self, parts_request: PartsRequest, data: dict, **kwargs: Any) -> None:
        raise NotImplementedError

    def post(self, request: Request, number: str, **kwargs: Any) -> Response:
        data: dict = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        run: Callable[[], Response] = lambda: self._run(number, data, **kwargs)  # noqa: E731
        return idempotent(request, run)

    def _run(self, number: str, data: dict, **kwargs: Any) -> Response:
        with transaction.atomic():
            parts_request = PartsRequest.objects.select_for_update().get(
                parts_centre_id=self.centre_id, number=number
            )
            check_if_match(self.request, parts_request.version)
            self.act(parts_request, data, **kwargs)
        return _detail(parts_request, self.success_status)

    success_status = status.HTTP_200_OK

    def common(self) -> dict:
        return {"parts_centre_id": self.centre_id, "actor": actor_of(self.request)}


def _write(summary: str, request: type | None = None, code: int = 200) -> Callable:
    return extend_schema(
        tags=TAG,
        summary=summary,
        request=request,
        parameters=WRITE_HEADERS,
        responses={code: PartsRequestDetailOut, **problems(WRITE_ERRORS)},
    )


class Acknowledge(_Action):
    @_write("Acknowledge a submitted request")
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, parts_request: PartsRequest, data: dict) -> None:
        services.parts_request_acknowledge(request_id=parts_request.pk, **self.common())


class Allocate(_Action):
    @extend_schema(parameters=[LINE_NO])
    @_write("Allocate a line from stock")
    def post(self, request: Request, number: str, line_no: int) -> Response:
        return super().post(request, number, line_no=line_no)

    def act(self, parts_request: PartsRequest, data: dict, line_no: int) -> None:
        services.parts_line_allocate(request_id=parts_request.pk, line_no=line_no, **self.common())


class BackOrder(_Action):
    input_serializer = BackOrderIn

    @extend_schema(parameters=[LINE_NO])
    @_write("Back-order a line with the expected date", BackOrderIn)
    def post(self, request: Request, number: str, line_no: int) -> Response:
        return super().post(request, number, line_no=line_no)

    def act(self, parts_request: PartsRequest, data: dict, line_no: int) -> None:
        services.parts_line_back_order(
            request_id=parts_request.pk, line_no=line_no, expected_date=data["expected_date"], **self.common()
        )


class Reject(_Action):
    input_serializer = RejectIn

    @extend_schema(parameters=[LINE_NO])
    @_write("Reject a line that cannot be supplied, with the reason", RejectIn)
    def post(self, request: Request, number: str, line_no: int) -> Response:
        return super().post(request, number, line_no=line_no)

    def act(self, parts_request: PartsRequest, data: dict, line_no: int) -> None:
        services.parts_line_reject(
            request_id=parts_request.pk, line_no=line_no, reason=data["reason"], **self.common()
        )


class Ship(_Action):
    input_serializer = ShipmentIn
    success_status = status.HTTP_201_CREATED

    @_write("Ship some lines in one parcel (partial quantities add up)", ShipmentIn, 201)
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, parts_request: PartsRequest, data: dict) -> None:
        services.parts_shipment_send(
            request_id=parts_request.pk,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            lines=[dict(line) for line in data["lines"]],
            **self.common(),
        )


class Delivered(_Action):
    input_serializer = DeliveredIn

    @_write("Report the shipped parts delivered to the dealer", DeliveredIn)
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, parts_request: PartsRequest, data: dict) -> None:
        services.parts_request_mark_delivered(
            request_id=parts_request.pk, at=data.get("delivered_at"), **self.common()
        )
