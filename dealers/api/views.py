"""Dealer API: the dealer's inbox across networks and every dealer action, through the gateway.

Reached with a member's session or an integration key of this dealer (a DMS).
``dealers.gateway.DealerGateway`` is the only door into the hotline schemas: it
filters by the work order's current dealer, so anything else is a 404.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import ApiView, check_if_match, etag_of
from config.api.contract import ANSWER_HEADERS, LINKS
from config.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, WRITE_HEADERS, problems
from config.listing import Cursor
from hotline.api.conversation import MessageIn, MessageOut, message_out, reader_of
from hotline.api.serializers import complainant_of, conclusion_out, location_of, repair_of
from tenants.api.authentication import actor_of
from tenants.api.idempotency import idempotent
from tenants.api.permissions import Declared
from tenants.models import User

from ..actions import DealerAction
from ..gateway import DealerGateway, DealerWorkOrder, InboxRow
from .serializers import DealerOwnerOut, DealerWorkOrderOut, InboxFilter, InboxOut, RootCausesOut

TAG = ["dealer"]
MANUFACTURER = OpenApiParameter(
    "manufacturer", str, OpenApiParameter.PATH, description="The manufacturer's code, e.g. HQ."
)
VERSIONED = {ANSWER_HEADERS: ["ETag"]}
# Each declared action's operation: its stable id and what it does (dealers/actions.py names the rest).
OPERATIONS = {
    "contact": (
        "dealer_work_orders_record_contact",
        "Records an attempt to reach the owner: whom, how, whether they were reached and what was "
        "agreed. The first attempt that reaches the owner is the first contact and stops that window.",
    ),
    "assign": (
        "dealer_work_orders_assign",
        "Assigns the work order to a member of this dealer (`assignee_id`, a user id); the hotline "
        "does not see who.",
    ),
    "note": (
        "dealer_work_orders_add_note",
        "Adds an internal note that only this dealer sees; the note keeps who wrote it (a person, or "
        "the name of the API key of the system that wrote it).",
    ),
    "stock": (
        "dealer_work_orders_record_stock_check",
        "Parts-shortage work orders: records where the missing parts come from (own stock, a sibling "
        "dealer, or the region's parts centre).",
    ),
    "parts": (
        "dealer_work_orders_request_parts",
        "Asks the region's parts centre for the missing parts: the work order's lines, or the 1 to 6 "
        "`lines` given. The request's progress appears in `parts_requests`.",
    ),
    "received": (
        "dealer_work_orders_confirm_parts_received",
        "Confirms the parts the centre shipped were received.",
    ),
    "hand_off": (
        "dealer_work_orders_hand_off",
        "Hands the complaint to the responsible department (sales, service, parts, finance, customer "
        "relations) and its head, a member of this dealer: stops the 30-minute hand-off window and "
        "starts the department's 48-hour window. The manufacturer sees only the department.",
    ),
    "department_answer": (
        "dealer_work_orders_record_department_answer",
        "Records the department's answer to customer relations (kept by this dealer only); stops the "
        "department's window. Refused while no department has the work order.",
    ),
    "progress": (
        "dealer_work_orders_report_progress",
        "Reports progress to the customer-service centre: the hotline sees it on the timeline and the "
        "agent who recorded the complaint is told. Internal notes stay internal.",
    ),
    "repair": (
        "dealer_work_orders_record_repair",
        "Records (or corrects) the dealer's repair record: the repair order's number, the service "
        "advisor, the repair team and the labour done; allowed from the first contact until closure. "
        "The hotline sees it as `repair`.",
    ),
    "arrival": (
        "dealer_work_orders_promise_arrival",
        "Roadside rescue: records when the rescue will be at the car, as promised to the owner "
        "(within 24 hours); stops the arrival-time window. A later promise replaces the time. "
        "Another type of work order is refused naming `arrival_promised_at`.",
    ),
    "resolve": (
        "dealer_work_orders_resolve",
        "Reports the work order resolved, with how and whether the owner accepted it, and the "
        "conclusion: validity (with the reason when not fully valid), responsibility, root cause (a "
        "code of the manufacturer's list), remedies (who apologised; the amount in CNY for a refund "
        "or compensation) and the corrective action with its owner and due date. Every missing or "
        "wrong field is named at once. `person_at_fault` stays with this dealer: the manufacturer "
        "never receives it. The hotline then calls the owner back.",
    ),
    "callback": (
        "dealer_work_orders_record_callback",
        "Records the dealer's callback to the owner after resolution (allowed while resolved and for "
        "the callback policy's days after closure): how, the outcome as the manual lists them, and when "
        "reached the questionnaire's answers, the overall score and whether the fault is fully fixed.",
    ),
    "withdraw": (
        "dealer_work_orders_withdraw_resolution",
        "Withdraws the dealer's resolution after its own callback found the fault not fixed: the work "
        "order is back in processing and its answer window runs again.",
    ),
    "extension": (
        "dealer_work_orders_request_extension",
        "Asks the hotline for more time on one running window, with the reason; a supervisor decides.",
    ),
    "transfer": (
        "dealer_work_orders_request_transfer",
        "Asks the hotline to route the work order to another dealer, with the reason; a supervisor decides.",
    ),
    "upgrade": (
        "dealer_work_orders_request_upgrade",
        "Asks the hotline to treat the work order as a major complaint (重大投诉), with the reason; a "
        "supervisor grants it (the senior-answer window starts then) or refuses it. One pending "
        "request at a time.",
    ),
    "senior_confirm": (
        "dealer_work_orders_confirm_senior_answer",
        "Senior management (general manager, service director) confirms the answer a contact recorded "
        "on their behalf (`on_behalf_of_id`); the senior-answer window of the major complaint stops "
        "now. Sessions of senior management only; nothing to send.",
    ),
    "tech_support": (
        "dealer_work_orders_request_tech_support",
        "Asks the manufacturer's technical support about the work order: the number of the case opened "
        "in DISS (`diss_reference`, letters, digits and - _ / .) and the question. While the work order "
        "is in processing or awaiting parts, one request at a time; the hotline answers within its "
        "window (2 working days by default) and, if the SLA policy says so, the completion window waits "
        "meanwhile.",
    ),
}


class DealerView(ApiView):
    permission_classes = [Declared]

    @property
    def gateway(self) -> DealerGateway:
        if not hasattr(self, "_gateway"):
            self._gateway = DealerGateway(self.request._request.tenant)
        return self._gateway


def _work_order_links(source: str) -> dict[str, dict]:
    """OpenAPI links from a work order in an answer (at ``source``) to what a dealer does with it next."""
    parameters = {
        "manufacturer": f"$response.body#{source}/manufacturer",
        "number": f"$response.body#{source}/number",
    }
    links = {"read": {"operationId": "dealer_work_orders_read", "parameters": parameters}}
    for name, (operation_id, _description) in OPERATIONS.items():
        links[_camel(name)] = {"operationId": operation_id, "parameters": parameters}
    return links


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


class Inbox(DealerView):
    permission_actions = {"GET": "inbox.read"}

    @extend_schema(
        tags=TAG,
        operation_id="inbox_list",
        parameters=[InboxFilter],
        responses={200: InboxOut, **problems(READ_ERRORS)},
        extensions={LINKS: {"200": {"read": _work_order_links("/results/0")["read"]}}},
        summary="Work orders routed to this dealer in every network, most urgent first",
        description="The dealer's work orders across every manufacturer's network it belongs to, "
        "the one whose running window is due first at the top, one page at a time: pass "
        "`next_cursor` back as `cursor`. `count` is the number of all that match.",
    )
    def get(self, request: Request) -> Response:
        filters = InboxFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        cursor = None
        if values.get("cursor"):
            cursor = Cursor.decode(values["cursor"])
            if cursor is None:
                raise ValidationError({"cursor": [_("This cursor is not one this list gave.")]})
        page = self.gateway.inbox_page(
            cursor=cursor,
            size=values["page_size"],
            open_only=values["open_only"],
            assignee_id=values.get("assignee"),
            severity=values.get("severity", ""),
        )
        results = [_inbox_row(row) for row in page.rows]
        body = {"results": results, "count": page.total, "next_cursor": page.next}
        return Response(InboxOut(body).data)


class RootCauses(DealerView):
    permission_actions = {"GET": "inbox.read"}

    @extend_schema(
        tags=TAG,
        operation_id="dealer_root_causes_list",
        parameters=[MANUFACTURER],
        responses={200: RootCausesOut, **problems(READ_ERRORS)},
        summary="The root causes in use in a manufacturer's list",
        description="The codes (with their Chinese and English names) a conclusion's `root_cause` "
        "may name when reporting a work order of this manufacturer resolved, in the list's order. "
        "A manufacturer whose network this dealer is not in is 404.",
    )
    def get(self, request: Request, manufacturer: str) -> Response:
        causes = self.gateway.root_causes(manufacturer)
        rows = [{"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en} for c in causes]
        return Response(RootCausesOut({"results": rows}).data)


def _inbox_row(row: InboxRow) -> dict:
    wo = row.work_order
    return {
        "manufacturer": row.manufacturer.code,
        "number": wo.number,
        "type": wo.type,
        "category": wo.category,
        "severity": wo.severity,
        "state": wo.state,
        "received_at": wo.received_at,
        "dispatched_at": wo.dispatched_at,
        "owner_name": wo.owner.name,
        "plate": wo.vehicle.plate if wo.vehicle else None,
        "next_due": {"kind": wo.next_kind, "due_at": wo.next_due} if wo.next_due else None,
        "overdue": bool(row.overdue),
        "assignee_id": row.assignee_id,
        "version": wo.version,
    }


def _notes(view: DealerWorkOrder) -> list[dict]:
    """Who wrote each note: the name kept with it, else the person's name now (older notes)."""
    older = {n.author_id for n in view.notes if n.author_id and not n.author_name}
    names = (
        {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=older)} if older else {}
    )
    return [
        {
            "author_id": note.author_id or None,
            "author_name": note.author_name or names.get(note.author_id, ""),
            "text": note.text,
            "at": note.at,
        }
        for note in view.notes
    ]


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
        "owner": {name: getattr(wo.owner, name) for name in DealerOwnerOut().fields},
        "complainant": complainant_of(wo),
        "preferred_contact_time": wo.preferred_contact_time,
        "incident_at": wo.incident_at,
        "sales_contract_number": wo.sales_contract_number,
        "sales_consultant": wo.sales_consultant,
        "repair": repair_of(wo),
        "location": location_of(wo),
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
            {
                "number": r.number,
                "state": r.state,
                "raised_at": r.raised_at,
                "acknowledged_at": r.acknowledged_at,
                "shipped_at": r.shipped_at,
                "received_at": r.received_at,
                "lines": list(r.lines.all()),
            }
            for r in view.parts_requests
        ],
        "assignee_id": view.assignment.assignee_id if view.assignment else None,
        "notes": _notes(view),
        "conclusion": (
            {
                **conclusion_out(view.conclusion),
                "person_at_fault": view.person_at_fault.name if view.person_at_fault else "",
            }
            if view.conclusion is not None
            else None
        ),
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
        description="One work order routed to this dealer: its windows, its timeline since it reached "
        "the dealer, its parts-support requests with their lines, the assignment and the internal "
        "notes. Its `ETag` (and `version`) is what `If-Match` takes on the next action. Another "
        "dealer's work order, or one transferred away, is 404.",
        extensions=VERSIONED,
    )
    def get(self, request: Request, manufacturer: str, number: str) -> Response:
        return _detail(self.gateway, manufacturer, number)


def _detail(gateway: DealerGateway, manufacturer: str, number: str) -> Response:
    view = gateway.work_order(manufacturer, number, page=False)
    return Response(DealerWorkOrderOut(_plain(view)).data, headers={"ETag": etag_of(view.work_order.version)})


class WorkOrderMessages(DealerView):
    """The conversation with the customer-service centre on a work order routed here."""

    permission_actions = {"GET": "inbox.read", "POST": "dealer.message"}

    @extend_schema(
        tags=TAG,
        operation_id="dealer_work_orders_messages_list",
        parameters=[MANUFACTURER],
        responses={200: MessageOut(many=True), **problems(READ_ERRORS)},
        summary="The conversation with the customer-service centre on a work order, oldest first",
        description="Lists the messages this dealer and the manufacturer's customer-service centre wrote "
        "to each other on one work order routed here, oldest first: who wrote each (a person, or the name "
        "of a system's API key), from which side, the people mentioned, and whether it is new to the "
        "person calling. What the hotline wrote with another dealer is not here. Reading here does not "
        "mark anything read; opening the work order's page does. Another dealer's work order is 404.",
    )
    def get(self, request: Request, manufacturer: str, number: str) -> Response:
        conversation = self.gateway.conversation(manufacturer, number, reader=reader_of(request))
        return Response(MessageOut([message_out(m) for m in conversation.messages], many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="dealer_work_orders_messages_create",
        request=MessageIn,
        parameters=[MANUFACTURER, IDEMPOTENCY_KEY],
        responses={201: MessageOut, **problems(WRITE_ERRORS)},
        summary="Write to the customer-service centre in the work order's conversation",
        description="Adds a message (1 to 2,000 characters) to the conversation with the manufacturer's "
        "customer-service centre on one work order routed here. `mentions` names people to tell by user "
        "id: this dealer's staff and the hotline's staff; anyone else is refused naming `mentions`, and "
        "nothing is saved. An `Idempotency-Key` makes a retry safe.",
    )
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        serializer = MessageIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def run() -> Response:
            message = self.gateway.message_post(
                manufacturer, number, actor=actor_of(request), text=data["text"], mentions=data["mentions"]
            )
            return Response(MessageOut(message_out(message)).data, status=201)

        return idempotent(request, run)


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
    operation_id, description = OPERATIONS[action.name]
    return extend_schema_view(
        post=extend_schema(
            tags=TAG,
            operation_id=operation_id,
            summary=action.summary,
            description=description
            + " Answers the work order as it now is. `If-Match` with the `ETag` of your last read "
            "refuses the action (412) if the work order changed since; an `Idempotency-Key` makes a "
            "retry safe.",
            request=action.serializer,
            parameters=[MANUFACTURER, *WRITE_HEADERS],
            responses={200: DealerWorkOrderOut, **problems(WRITE_ERRORS)},
            extensions={**VERSIONED, LINKS: {"200": _work_order_links("")}},
        )
    )(view)
