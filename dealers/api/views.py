"""Dealer API: the dealer's inbox across networks and every dealer action, through the gateway.

Reached with a member's session or an integration key of this dealer (a DMS).
``dealers.gateway.DealerGateway`` is the only door into the hotline schemas: it
filters by the work order's current dealer, so anything else is a 404.
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import ApiView, check_if_match, etag_of
from config.api.schema import READ_ERRORS, WRITE_ERRORS, WRITE_HEADERS, problems
from tenants.api.authentication import actor_of
from tenants.api.idempotency import idempotent
from tenants.api.permissions import Declared

from ..actions import DealerAction
from ..gateway import DealerGateway, DealerWorkOrder
from .serializers import DealerWorkOrderOut, InboxFilter, InboxOut

TAG = ["dealer"]
MANUFACTURER = OpenApiParameter(
    "manufacturer", str, OpenApiParameter.PATH, description="The manufacturer's code, e.g. HQ."
)


class DealerView(ApiView):
    permission_classes = [Declared]

    @property
    def gateway(self) -> DealerGateway:
        if not hasattr(self, "_gateway"):
            self._gateway = DealerGateway(self.request._request.tenant)
        return self._gateway


class Inbox(DealerView):
    permission_actions = {"GET": "inbox.read"}

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
    permission_actions = {"GET": "inbox.read"}

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


class DealerActionView(DealerView):
    """One declared dealer action (``dealers/actions.py``): its serializer's data are its arguments."""

    dealer_action: DealerAction

    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        serializer = self.dealer_action.serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return idempotent(request, lambda: self._run(manufacturer, number, serializer.validated_data))

    def _run(self, manufacturer: str, number: str, data: dict) -> Response:
        with transaction.atomic():
            check_if_match(self.request, self.gateway.lock_version(manufacturer, number))
            self.gateway.act(self.dealer_action, manufacturer, number, actor=actor_of(self.request), **data)
        return _detail(self.gateway, manufacturer, number)


def action_view(action: DealerAction) -> type[DealerActionView]:
    """The endpoint of one declared action, with its schema."""
    view = type(
        f"{action.name.title()}ActionView",
        (DealerActionView,),
        {"dealer_action": action, "permission_actions": {"POST": action.permission}},
    )
    return extend_schema_view(
        post=extend_schema(
            tags=TAG,
            summary=action.summary,
            request=action.serializer,
            parameters=[MANUFACTURER, *WRITE_HEADERS],
            responses={200: DealerWorkOrderOut, **problems(WRITE_ERRORS)},
        )
    )(view)
