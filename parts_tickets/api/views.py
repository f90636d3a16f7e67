"""Parts-centre API: a centre's systems list, read and work its parts-support requests.

A parts centre's key reaches these endpoints on its manufacturer's host, and so
does the session of the centre's own staff (their portal's requests, the same
services); every lookup is filtered by that centre, so another centre's request
is a 404.
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
from config.api.contract import ANSWER_HEADERS, LINKS
from config.api.pagination import CURSOR_PARAMETERS, NewestFirst, paginated
from config.api.schema import READ_ERRORS, WRITE_ERRORS, WRITE_HEADERS, problems
from tenants.api.authentication import ApiKeyAuthentication, SessionAuthentication, actor_of
from tenants.api.idempotency import idempotent
from tenants.api.permissions import Declared

from .. import services
from ..models import PartsRequest
from ..selectors import (
    parts_centre_names,
    parts_request_for_centre,
    parts_requests_for_centre,
    parts_requests_of_work_order,
)
from .serializers import (
    BackOrderIn,
    DeliveredIn,
    PartsRequestDetailOut,
    PartsRequestFilter,
    PartsRequestOut,
    RejectIn,
    ShipmentIn,
    WorkOrderPartsRequestsOut,
)

TAG = ["parts centre"]
LINE_NO = OpenApiParameter("line_no", int, OpenApiParameter.PATH, description="The line (1–6).")
VERSIONED = {ANSWER_HEADERS: ["ETag"]}
NUMBER = {"number": "$response.body#/number"}
# What a centre does next with a request it holds (OpenAPI links; the stateful tests follow them).
LINE = {**NUMBER, "line_no": "$response.body#/lines/0/line_no"}
REQUEST_LINKS = {
    "read": {"operationId": "parts_requests_read", "parameters": NUMBER},
    "acknowledge": {"operationId": "parts_requests_acknowledge", "parameters": NUMBER},
    "allocateLine": {"operationId": "parts_requests_allocate_line", "parameters": LINE},
    "backOrderLine": {"operationId": "parts_requests_back_order_line", "parameters": LINE},
    "rejectLine": {"operationId": "parts_requests_reject_line", "parameters": LINE},
    "ship": {"operationId": "parts_requests_ship", "parameters": NUMBER},
    "reportDelivered": {"operationId": "parts_requests_report_delivered", "parameters": NUMBER},
}
# From the newest request of a page to it.
FIRST_REQUEST = {
    "read": {
        "operationId": "parts_requests_read",
        "parameters": {"number": "$response.body#/results/0/number"},
    }
}


class PartsCentreView(ApiView):
    # A centre's systems with its key; its staff with their portal session (Declared: their role).
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [Declared]
    permission_actions = {"GET": "parts.read", "POST": "parts.work"}

    @property
    def centre_id(self) -> int:
        if self.request.auth is not None:
            return self.request.auth.parts_centre_id
        return self.request._request.membership.parts_centre_id

    @property
    def manufacturer_id(self) -> int:
        return self.request._request.tenant.manufacturer.pk


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
        extensions={LINKS: {"200": FIRST_REQUEST}},
        summary="The centre's parts-support requests, newest first",
        description="The parts-support requests raised for the regions this centre serves, newest "
        "first, one page at a time (pass `next_cursor` back as `cursor`). Poll with `since` for new "
        "ones. Parts centres' API keys only.",
    )
    def get(self, request: Request) -> Response:
        filters = PartsRequestFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        requests = parts_requests_for_centre(
            parts_centre_id=self.centre_id,
            manufacturer_id=self.manufacturer_id,
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
        description="One request of this centre with its lines, shipments and, once reported, "
        "`delivered_at`. Its `ETag` (and `version`) is what `If-Match` takes on the next write; "
        "another centre's request is 404.",
        extensions={**VERSIONED, LINKS: {"200": REQUEST_LINKS}},
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


def _write(
    operation_id: str, summary: str, description: str, request: type | None = None, code: int = 200
) -> Callable:
    return extend_schema(
        tags=TAG,
        operation_id=operation_id,
        summary=summary,
        description=description
        + " Answers the request as it now is. `If-Match` with the `ETag` of your last read refuses "
        "the write (412) if the request changed since; an `Idempotency-Key` makes a retry safe.",
        request=request,
        parameters=WRITE_HEADERS,
        responses={code: PartsRequestDetailOut, **problems(WRITE_ERRORS)},
        extensions={**VERSIONED, LINKS: {str(code): REQUEST_LINKS}},
    )


class Acknowledge(_Action):
    @_write(
        "parts_requests_acknowledge",
        "Acknowledge a submitted request",
        "Acknowledges a submitted request: the centre has taken it on (the dealer sees it).",
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, parts_request: PartsRequest, data: dict) -> None:
        services.parts_request_acknowledge(request_id=parts_request.pk, **self.common())


class Allocate(_Action):
    @extend_schema(parameters=[LINE_NO])
    @_write(
        "parts_requests_allocate_line",
        "Allocate a line from stock",
        "Allocates one line of an acknowledged request from the centre's stock.",
    )
    def post(self, request: Request, number: str, line_no: int) -> Response:
        return super().post(request, number, line_no=line_no)

    def act(self, parts_request: PartsRequest, data: dict, line_no: int) -> None:
        services.parts_line_allocate(request_id=parts_request.pk, line_no=line_no, **self.common())


class BackOrder(_Action):
    input_serializer = BackOrderIn

    @extend_schema(parameters=[LINE_NO])
    @_write(
        "parts_requests_back_order_line",
        "Back-order a line with the expected date",
        "Back-orders one line with the date the part is expected (today or later); the dealer "
        "and the hotline see the date.",
        BackOrderIn,
    )
    def post(self, request: Request, number: str, line_no: int) -> Response:
        return super().post(request, number, line_no=line_no)

    def act(self, parts_request: PartsRequest, data: dict, line_no: int) -> None:
        services.parts_line_back_order(
            request_id=parts_request.pk, line_no=line_no, expected_date=data["expected_date"], **self.common()
        )


class Reject(_Action):
    input_serializer = RejectIn

    @extend_schema(parameters=[LINE_NO])
    @_write(
        "parts_requests_reject_line",
        "Reject a line that cannot be supplied, with the reason",
        "Rejects one line that the centre cannot supply, with the reason.",
        RejectIn,
    )
    def post(self, request: Request, number: str, line_no: int) -> Response:
        return super().post(request, number, line_no=line_no)

    def act(self, parts_request: PartsRequest, data: dict, line_no: int) -> None:
        services.parts_line_reject(
            request_id=parts_request.pk, line_no=line_no, reason=data["reason"], **self.common()
        )


class Ship(_Action):
    input_serializer = ShipmentIn
    success_status = status.HTTP_201_CREATED

    @_write(
        "parts_requests_ship",
        "Ship some lines in one parcel (partial quantities add up)",
        "Records one parcel: carrier, tracking number and the lines in it. A line's quantity "
        "defaults to what is left of it; partial shipments add up; all lines are valid or none "
        "is shipped.",
        ShipmentIn,
        201,
    )
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

    @_write(
        "parts_requests_report_delivered",
        "Report the shipped parts delivered to the dealer",
        "Reports the shipped parts delivered at the dealer (`delivered_at`, default now); the "
        "dealer still confirms receipt.",
        DeliveredIn,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, parts_request: PartsRequest, data: dict) -> None:
        services.parts_request_mark_delivered(
            request_id=parts_request.pk, at=data.get("delivered_at"), **self.common()
        )


class WorkOrderPartsRequests(ApiView):
    """The hotline's view of a work order's parts progress (sessions and integration keys)."""

    permission_classes = [Declared]
    permission_actions = {"GET": "work_order.read"}

    @extend_schema(
        tags=["hotline"],
        operation_id="work_orders_parts_requests_list",
        responses={200: WorkOrderPartsRequestsOut, **problems(READ_ERRORS)},
        summary="A work order's parts-support requests: lines, states, expected dates, shipments",
        description="How far the parts of a parts-shortage work order got: each request raised to a "
        "parts centre, oldest first, with its lines (state, expected date of a back-order, rejection "
        "reason, carrier, tracking number, quantity shipped) and when it was acknowledged, shipped, "
        "delivered and received. An empty list when no request was raised.",
    )
    def get(self, request: Request, number: str) -> Response:
        requests = parts_requests_of_work_order(number)
        context = {"parts_centres": parts_centre_names({r.parts_centre_id for r in requests})}
        return Response(WorkOrderPartsRequestsOut({"results": requests}, context=context).data)
