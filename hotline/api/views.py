"""Hotline API: the call-centre integrations create, read, list and decide work orders.

Reached with a hotline member's session or an integration key of this hotline.
Every change is one call of the same service the portal uses.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import ApiView, check_if_match, etag_of
from config.api.contract import ANSWER_HEADERS, LINKS
from config.api.pagination import CURSOR_PARAMETERS, NewestFirst, paginated
from config.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, WRITE_HEADERS, problems
from tenants.api.authentication import actor_of
from tenants.api.idempotency import idempotent
from tenants.api.permissions import Declared
from tenants.models import Manufacturer

from ..models import WorkOrder
from ..satisfaction import callback_facts, failed_callbacks, figures_of, satisfaction_rows, weakest_items
from ..selectors import (
    kpi_rows,
    kpi_totals,
    part_lines_of,
    work_order_created_as_listed,
    work_orders_for_hotline,
)
from ..services import conclusions, decisions, major
from ..services import work_orders as services
from ..services.clocks import tenant_time_zone
from .serializers import (
    CallbackIn,
    CallbackOut,
    KpiFilter,
    KpiOut,
    ReasonIn,
    ReclassifyIn,
    ReviewIn,
    SatisfactionFilter,
    SatisfactionOut,
    UpgradeDecisionIn,
    WorkOrderFilter,
    WorkOrderIn,
    WorkOrderOut,
)

TAG = ["hotline"]
VERSIONED = {ANSWER_HEADERS: ["ETag"]}
NUMBER = {"number": "$response.body#/number"}
# What an integrator does next with a work order it holds (OpenAPI links; the stateful tests follow them).
WORK_ORDER_LINKS = {
    "read": {"operationId": "work_orders_read", "parameters": NUMBER},
    "partsRequests": {"operationId": "work_orders_parts_requests_list", "parameters": NUMBER},
    "callback": {"operationId": "work_orders_record_callback", "parameters": NUMBER},
    "reopen": {"operationId": "work_orders_reopen", "parameters": NUMBER},
    "verify": {"operationId": "work_orders_verify", "parameters": NUMBER},
    "cancel": {"operationId": "work_orders_cancel", "parameters": NUMBER},
    "reclassify": {"operationId": "work_orders_reclassify", "parameters": NUMBER},
    "review": {"operationId": "work_orders_review", "parameters": NUMBER},
    "notes": {"operationId": "work_orders_notes_list", "parameters": NUMBER},
    "addNote": {"operationId": "work_orders_notes_create", "parameters": NUMBER},
    "ownerCalls": {"operationId": "work_orders_owner_calls_list", "parameters": NUMBER},
    "logOwnerCall": {"operationId": "work_orders_owner_calls_create", "parameters": NUMBER},
    "techSupport": {"operationId": "work_orders_tech_support_list", "parameters": NUMBER},
}
# From the newest work order of a page to it.
FIRST_WORK_ORDER = {
    "read": {"operationId": "work_orders_read", "parameters": {"number": "$response.body#/results/0/number"}}
}


class HotlineView(ApiView):
    permission_classes = [Declared]

    @property
    def manufacturer(self) -> Manufacturer:
        return self.request._request.tenant.manufacturer


def _read(number: str) -> WorkOrder:
    return work_orders_for_hotline().get(number=number)


def _detail(number: str, status_code: int = 200, **headers: str) -> Response:
    work_order = _read(number)
    return Response(
        WorkOrderOut(work_order).data,
        status=status_code,
        headers={"ETag": etag_of(work_order.version), **headers},
    )


class WorkOrderList(HotlineView):
    permission_actions = {"GET": "work_order.read", "POST": "work_order.create"}

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_list",
        parameters=[WorkOrderFilter, *CURSOR_PARAMETERS],
        responses={200: paginated(WorkOrderOut), **problems(READ_ERRORS)},
        extensions={LINKS: {"200": FIRST_WORK_ORDER}},
        summary="Work orders, newest first, with filters",
        description="The hotline's work orders, newest first, one page at a time: pass `next_cursor` "
        "back as `cursor` for the next page. Filters combine; times are ISO 8601 with an offset.",
    )
    def get(self, request: Request) -> Response:
        filters = WorkOrderFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        if "dealer" in values:
            values["dealer_code"] = values.pop("dealer")
        if "type" in values:
            values["work_order_type"] = values.pop("type")
        paginator = NewestFirst()
        page = paginator.paginate_queryset(work_orders_for_hotline(**values), request, view=self)
        context = {"part_lines": part_lines_of(page)}
        return paginator.get_paginated_response(WorkOrderOut(page, many=True, context=context).data)

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_create",
        request=WorkOrderIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: WorkOrderOut, **problems(WRITE_ERRORS)},
        summary="Record a work order (routed, clocks started); the portal's rules apply",
        description="Records a complaint as the hotline portal's intake does: the owner is found by "
        "mobile number or added, the work order is routed to `dealer` (or the suggested dealer) and "
        "its timed windows start. Every broken rule is reported at once in `errors`. Send an "
        "`Idempotency-Key` so that a retried call never records the work order twice.",
        extensions={ANSWER_HEADERS: ["ETag", "Location"], LINKS: {"201": WORK_ORDER_LINKS}},
    )
    def post(self, request: Request) -> Response:
        serializer = WorkOrderIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        return idempotent(request, lambda: self._create(serializer.validated_data))

    def _create(self, data: dict) -> Response:
        intake = services.intake_from(manufacturer=self.manufacturer, values=data)
        work_order = services.work_order_create(
            manufacturer=self.manufacturer, actor=actor_of(self.request), intake=intake
        )
        # Answered from what was written (the document GET gives, tested), not read back.
        work_order = work_order_created_as_listed(work_order)
        context = {"part_lines": {work_order.pk: work_order.part_lines_written}}
        return Response(
            WorkOrderOut(work_order, context=context).data,
            status=status.HTTP_201_CREATED,
            headers={
                "ETag": etag_of(work_order.version),
                "Location": f"/api/v1/work-orders/{work_order.number}/",
            },
        )


class WorkOrderDetail(HotlineView):
    permission_actions = {"GET": "work_order.read"}

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_read",
        responses={200: WorkOrderOut, **problems(READ_ERRORS)},
        summary="One work order; the ETag is its version",
        description="One work order of this hotline. Its `ETag` (and `version`) is what `If-Match` "
        "takes on the next write.",
        extensions={**VERSIONED, LINKS: {"200": WORK_ORDER_LINKS}},
    )
    def get(self, request: Request, number: str) -> Response:
        return _detail(number)


class _Action(HotlineView):
    input_serializer: type = ReasonIn

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        raise NotImplementedError

    def post(self, request: Request, number: str) -> Response:
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run: Callable[[], Response] = lambda: self._run(number, serializer.validated_data)  # noqa: E731
        return idempotent(request, run)

    def _run(self, number: str, data: dict) -> Response:
        with transaction.atomic():
            work_order = services.work_order_lock_by_number(number)
            check_if_match(self.request, work_order.version)
            result = self.act(work_order, data)
        return self.answer(number, result)

    def answer(self, number: str, result: Any) -> Response:
        return _detail(number)


def _write(
    operation_id: str,
    summary: str,
    description: str,
    request: type,
    response: Any = WorkOrderOut,
    code: int = 200,
) -> Callable:
    return extend_schema(
        tags=TAG,
        operation_id=operation_id,
        summary=summary,
        description=description
        + " `If-Match` with the `ETag` of your last read refuses the write (412) if the work order "
        "changed since; an `Idempotency-Key` makes a retry safe.",
        request=request,
        parameters=WRITE_HEADERS,
        responses={code: response, **problems(WRITE_ERRORS)},
        extensions={**VERSIONED, LINKS: {str(code): WORK_ORDER_LINKS}}
        if response is WorkOrderOut
        else VERSIONED,
    )


class RecordCallback(_Action):
    permission_actions = {"POST": "work_order.callback"}
    input_serializer = CallbackIn

    @_write(
        "work_orders_record_callback",
        "Record the hotline's callback to the owner (reached and fixed closes; not fixed reopens)",
        "Records the hotline's callback to the owner of a resolved work order. Reached and fault "
        "fixed closes it (when reached, `score` 1 to 10, `solved` and the questionnaire's required "
        "answers are required); reached and not fixed reopens it to the same dealer; not reached "
        "leaves it resolved for another attempt (docs/work-orders.md, callbacks).",
        CallbackIn,
        CallbackOut,
        201,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        return decisions.callback_record(
            work_order_id=work_order.pk,
            actor=actor_of(self.request),
            outcome=data["outcome"],
            score=data.get("score"),
            solved=data.get("solved"),
            note=data.get("note", ""),
            next_attempt_at=data.get("next_attempt_at"),
            answers=data.get("answers") or None,
        )

    def answer(self, number: str, result: Any) -> Response:
        work_order = _read(number)
        body = {
            "party": result.party,
            "questionnaire": result.questionnaire.version if result.questionnaire else None,
            "answers": list(result.answers.select_related("item")),
            "next_attempt_at": result.next_attempt_at,
            "outcome": result.outcome,
            "score": result.score,
            "solved": result.solved,
            "at": result.at,
            "work_order": work_order,
        }
        return Response(CallbackOut(body).data, status=201, headers={"ETag": etag_of(work_order.version)})


class Verify(_Action):
    permission_actions = {"POST": "work_order.close"}

    @_write(
        "work_orders_verify",
        "Supervisor: close a resolved work order without reaching the owner, with the reason",
        "Closes a resolved work order whose owner could not be reached, recording the reason. "
        "Supervisors' sessions only.",
        ReasonIn,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        return decisions.work_order_close_without_callback(
            work_order_id=work_order.pk, actor=actor_of(self.request), reason=data["reason"]
        )


class Reopen(_Action):
    permission_actions = {"POST": "work_order.reopen"}

    @_write(
        "work_orders_reopen",
        "Reopen: back to the same dealer with fresh clocks",
        "Reopens a resolved or closed work order, with the reason: it goes back to the same dealer "
        "and its timed windows start afresh.",
        ReasonIn,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        return services.work_order_reopen(
            work_order_id=work_order.pk, actor=actor_of(self.request), reason=data["reason"]
        )


class Cancel(_Action):
    permission_actions = {"POST": "work_order.cancel"}

    @_write(
        "work_orders_cancel",
        "Cancel a work order (e.g. recorded twice), with the reason",
        "Cancels an open work order (recorded twice, or in error), with the reason; its windows stop "
        "and it counts in no KPI. Supervisors' sessions only.",
        ReasonIn,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        return services.work_order_cancel(
            work_order_id=work_order.pk, actor=actor_of(self.request), reason=data["reason"]
        )


class Reclassify(_Action):
    permission_actions = {"POST": "work_order.reclassify"}
    input_serializer = ReclassifyIn

    @_write(
        "work_orders_reclassify",
        "Supervisor: change the severity (normal / major complaint) and the category, with the reason",
        "Changes the severity and/or category of an open or resolved work order, logged with the reason. "
        "Made a major complaint (重大投诉) while the dealer still owes an answer, the senior-answer "
        "window starts now and the dealer's senior management, its service manager and the hotline's "
        "supervisors are told at once; made normal again, that window stops and stays on record "
        "(docs/work-orders.md, major complaints). Supervisors' sessions only.",
        ReclassifyIn,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        return major.work_order_reclassify(
            work_order_id=work_order.pk,
            actor=actor_of(self.request),
            severity=data["severity"],
            category=data["category"],
            reason=data["reason"],
        )


class UpgradeDecision(_Action):
    permission_actions = {"POST": "upgrade.decide"}
    input_serializer = UpgradeDecisionIn

    @_write(
        "work_orders_upgrade_decision",
        "Supervisor: grant or refuse the dealer's request to make it a major complaint",
        "Decides the dealer's pending request (`request`, its id on this work order; another work "
        "order's is 404) to treat the work order as a major complaint, with the reason. Granted, the "
        "work order becomes major as by `work_orders_reclassify`; refused, the dealer is told. "
        "Supervisors' sessions only.",
        UpgradeDecisionIn,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        if not work_order.upgrade_requests.filter(pk=data["request"]).exists():
            raise Http404
        return major.upgrade_decide(
            request_id=data["request"],
            actor=actor_of(self.request),
            grant=data["grant"],
            reason=data["reason"],
        )


class Review(_Action):
    permission_actions = {"POST": "work_order.review"}
    input_serializer = ReviewIn

    @_write(
        "work_orders_review",
        "Record the hotline's review opinion (客服部复核意见) on a closed work order's conclusion",
        "Records the customer-service department's review opinion on the dealer's conclusion of a "
        "closed work order (`opinion`, up to 2,000 characters); a later review replaces the earlier "
        "one, both stay on the timeline. A work order that is not closed, or has no conclusion, is "
        "refused with `opinion` named. The dealer on duty is told.",
        ReviewIn,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> Any:
        return conclusions.conclusion_review(
            work_order_id=work_order.pk, actor=actor_of(self.request), opinion=data["opinion"]
        )


class Kpis(HotlineView):
    permission_actions = {"GET": "kpis.read"}

    @extend_schema(
        tags=TAG,
        operation_id="kpis_read",
        parameters=[KpiFilter],
        responses={200: KpiOut, **problems(READ_ERRORS)},
        summary="The KPI page's figures over the work orders received in a period, in total and per group",
        description="The same figures as the hotline portal's KPI page, over the work orders received "
        "in `[since, until)`, in total and, with `group`, per dealer, region, category, week or month.",
    )
    def get(self, request: Request) -> Response:
        filters = KpiFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        period = {
            "since": values.get("since"),
            "until": values.get("until"),
            "dealer_code": values.get("dealer", ""),
        }
        group = values.get("group") or None
        rows = (
            kpi_rows(group=group, time_zone=zoneinfo.ZoneInfo(tenant_time_zone()), **period) if group else []
        )
        return Response(KpiOut({"totals": kpi_totals(**period), "group": group, "rows": rows}).data)


class Satisfaction(HotlineView):
    permission_actions = {"GET": "kpis.read"}

    @extend_schema(
        tags=TAG,
        operation_id="kpis_satisfaction_read",
        parameters=[SatisfactionFilter],
        responses={200: SatisfactionOut, **problems(READ_ERRORS)},
        summary="Satisfaction from callbacks over the work orders received in a period: success rate, "
        "bands, weakest items, closed — not verified, failed callbacks",
        description="Satisfaction from the callbacks people made (the hotline's and the dealer's, not "
        "the owner's own texted or online answers) over the work orders received in `[since, until)`: "
        "the callback success rate, the shares of reached callbacks scoring 8–10, 6–7 and 1–5, the "
        "three weakest questionnaire items, the count closed as not verified and the failed callbacks; "
        "rows per `group` when one is given.",
    )
    def get(self, request: Request) -> Response:
        filters = SatisfactionFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        facts = callback_facts(
            since=values.get("since"), until=values.get("until"), dealer_code=values.get("dealer", "")
        )
        group = values.get("group") or None
        rows = (
            satisfaction_rows(facts, group=group, time_zone=zoneinfo.ZoneInfo(tenant_time_zone()))
            if group
            else []
        )
        return Response(
            SatisfactionOut(
                {
                    "totals": figures_of(facts),
                    "group": group,
                    "rows": rows,
                    "weakest": weakest_items(facts),
                    "failed": failed_callbacks(facts),
                }
            ).data
        )
