"""Dealer API: the dealer's inbox across networks and every dealer action, through the gateway.

Reached with a member's session or an integration key of this dealer (a DMS).
``dealers.gateway.DealerGateway`` is the only door into the hotline schemas: it
filters by the work order's current dealer, so anything else is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import ApiView, check_if_match, etag_of
from config.api.schema import READ_ERRORS, WRITE_ERRORS, WRITE_HEADERS, problems
from tenants.api.authentication import actor_of
from tenants.api.idempotency import idempotent
from tenants.api.permissions import DealerMemberOrIntegration
from tenants.models import Membership, NetworkMembership

from ..gateway import DealerGateway, DealerWorkOrder
from .serializers import (
    AssignIn,
    ContactIn,
    DealerWorkOrderOut,
    ExtensionIn,
    InboxFilter,
    InboxOut,
    NoteIn,
    NoteOnlyIn,
    PartsRequestIn,
    ResolveIn,
    StockCheckIn,
    TransferIn,
)

TAG = ["dealer"]
MANUFACTURER = OpenApiParameter(
    "manufacturer", str, OpenApiParameter.PATH, description="The manufacturer's code, e.g. HQ."
)


class DealerView(ApiView):
    permission_classes = [DealerMemberOrIntegration]

    @property
    def gateway(self) -> DealerGateway:
        if not hasattr(self, "_gateway"):
            self._gateway = DealerGateway(self.request._request.tenant)
        return self._gateway


class Inbox(DealerView):
    @extend_schema(
        tags=TAG,
        operation_id="inbox_list",
        parameters=[InboxFilter],
        responses={200: InboxOut, **problems(READ_ERRORS)},
        summary="Work orders routed to this dealer in every network, most urgent first",
    )
    def get(self, request: Request) -> Response:
        filters = InboxFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = self.gateway.inbox(
            open_only=filters.validated_data["open_only"], assignee_id=filters.validated_data.get("assignee")
        )
        results = [
            {
                "manufacturer": row.manufacturer.code,
                "number": row.work_order.number,
                "type": row.work_order.type,
                "category": row.work_order.category,
                "severity": row.work_order.severity,
                "state": row.work_order.state,
                "received_at": row.work_order.received_at,
                "dispatched_at": row.work_order.dispatched_at,
                "owner_name": row.work_order.owner.name,
                "plate": row.work_order.vehicle.plate if row.work_order.vehicle else None,
                "next_due": (
                    {"kind": row.next_due.kind, "due_at": row.next_due.due_at} if row.next_due else None
                ),
                "assignee_id": row.assignee_id,
                "version": row.work_order.version,
            }
            for row in rows
        ]
        return Response(InboxOut({"results": results}).data)


def _plain(view: DealerWorkOrder) -> dict:
    wo = view.work_order
    return {
        "manufacturer": view.manufacturer.code,
        "number": wo.number,
        "type": wo.type,
        "category": wo.category,
        "severity": wo.severity,
        "channel": wo.channel,
        "state": wo.state,
        "received_at": wo.received_at,
        "dispatched_at": wo.dispatched_at,
        "first_contact_at": wo.first_contact_at,
        "resolved_at": wo.resolved_at,
        "complaint": wo.complaint,
        "owner_demand": wo.owner_demand,
        "owner": {"name": wo.owner.name, "mobile": wo.owner.mobile, "city": wo.owner.city},
        "vehicle": (
            {"vin": wo.vehicle.vin, "plate": wo.vehicle.plate, "model": wo.vehicle.model}
            if wo.vehicle
            else None
        ),
        "stock_check": wo.stock_check,
        "result_summary": wo.result_summary,
        "owner_acceptance": wo.owner_acceptance,
        "part_lines": view.part_lines,
        "clocks": view.clocks,
        "events": view.events,
        "parts_requests": [
            {"number": r.number, "state": r.state, "raised_at": r.raised_at, "lines": list(r.lines.all())}
            for r in view.parts_requests
        ],
        "assignee_id": view.assignment.assignee_id if view.assignment else None,
        "notes": view.notes,
        "version": wo.version,
    }


class WorkOrderDetail(DealerView):
    @extend_schema(
        tags=TAG,
        operation_id="dealer_work_orders_read",
        parameters=[MANUFACTURER],
        responses={200: DealerWorkOrderOut, **problems(READ_ERRORS)},
        summary="One work order routed to this dealer, with its timeline since it arrived",
    )
    def get(self, request: Request, manufacturer: str, number: str) -> Response:
        return _detail(self.gateway, manufacturer, number)


def _detail(gateway: DealerGateway, manufacturer: str, number: str) -> Response:
    view = gateway.work_order(manufacturer, number)
    return Response(DealerWorkOrderOut(_plain(view)).data, headers={"ETag": etag_of(view.work_order.version)})


class _Action(DealerView):
    input_serializer: type = NoteOnlyIn

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        raise NotImplementedError

    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run: Callable[[], Response] = lambda: self._run(  # noqa: E731
            manufacturer, number, serializer.validated_data
        )
        return idempotent(request, run)

    def _run(self, manufacturer: str, number: str, data: dict) -> Response:
        with transaction.atomic():
            check_if_match(self.request, self.gateway.lock_version(manufacturer, number))
            self.act(manufacturer, number, data)
        return _detail(self.gateway, manufacturer, number)

    @property
    def actor(self) -> Any:
        return actor_of(self.request)


def _write(summary: str, request: type) -> Callable:
    def decorate(method: Callable) -> Callable:
        return extend_schema(
            tags=TAG,
            summary=summary,
            request=request,
            parameters=[MANUFACTURER, *WRITE_HEADERS],
            responses={200: DealerWorkOrderOut, **problems(WRITE_ERRORS)},
        )(method)

    return decorate


class RecordContact(_Action):
    input_serializer = ContactIn

    @_write(
        "Record a contact attempt with the owner (the first that reaches them is the first contact)",
        ContactIn,
    )
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        self.gateway.record_contact(manufacturer, number, actor=self.actor, **data)


class Assign(_Action):
    input_serializer = AssignIn

    @_write("Assign the work order to a member of this dealer", AssignIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        if not Membership.objects.filter(
            user_id=data["assignee_id"], tenant=self.gateway.dealer, is_active=True
        ).exists():
            raise ValidationError({"assignee_id": [_("Choose a member of this dealer.")]})
        self.gateway.assign(manufacturer, number, actor=self.actor, assignee_id=data["assignee_id"])


class AddNote(_Action):
    input_serializer = NoteIn

    @_write("Add an internal note (seen only by this dealer)", NoteIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        self.gateway.add_note(manufacturer, number, actor=self.actor, text=data["text"])


class StockCheck(_Action):
    input_serializer = StockCheckIn

    @_write("Parts work orders: record where the parts come from", StockCheckIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        self.gateway.record_stock_check(manufacturer, number, actor=self.actor, **data)


class RaisePartsRequest(_Action):
    input_serializer = PartsRequestIn

    @_write("Ask the region's parts centre for the missing parts", PartsRequestIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        lines = [dict(line) for line in data["lines"]] if data.get("lines") is not None else None
        self.gateway.raise_parts_request(
            manufacturer, number, actor=self.actor, lines=lines, note=data["note"]
        )


class ConfirmPartsReceived(_Action):
    @_write("Confirm the shipped parts were received", NoteOnlyIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        self.gateway.confirm_parts_received(manufacturer, number, actor=self.actor, note=data["note"])


class Resolve(_Action):
    input_serializer = ResolveIn

    @_write("Report the work order resolved, with the result and the owner's acceptance", ResolveIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        self.gateway.resolve(manufacturer, number, actor=self.actor, **data)


class RequestExtension(_Action):
    input_serializer = ExtensionIn

    @_write("Ask the hotline for more time on a window", ExtensionIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        self.gateway.request_extension(manufacturer, number, actor=self.actor, **data)


class RequestTransfer(_Action):
    input_serializer = TransferIn

    @_write("Ask the hotline to give the work order to another dealer", TransferIn)
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        return super().post(request, manufacturer, number)

    def act(self, manufacturer: str, number: str, data: dict) -> None:
        suggested = None
        if data.get("suggested_dealer"):
            place = NetworkMembership.objects.filter(
                manufacturer__code=manufacturer, dealer_code=data["suggested_dealer"]
            ).first()
            if place is None:
                message = _("No dealer with the code %(code)s in this network.")
                raise ValidationError({"suggested_dealer": [message % {"code": data["suggested_dealer"]}]})
            suggested = place.dealer_id
        self.gateway.request_transfer(
            manufacturer, number, actor=self.actor, reason=data["reason"], suggested_dealer_id=suggested
        )
