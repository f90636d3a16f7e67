"""Hotline API: the dealers' technical-support requests of a work order, answered or closed here.

The same services as the portal (``hotline.services.techsupport``); a request is
named by its number within the work order (``HQ20261124-00001-T1``), and a number
of another work order is a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.schema import READ_ERRORS, WRITE_ERRORS, WRITE_HEADERS, problems, service_checked
from config.api.serializers import Serializer
from tenants.api.authentication import actor_of

from ..models import QUESTION_MAX, TechSupportRequest, TechSupportState, WorkOrder
from ..selectors import work_order_by_number
from ..services.techsupport import tech_support_answer, tech_support_close
from .serializers import NOT_BLANK
from .views import TAG, HotlineView, _Action


class TechSupportOut(Serializer):
    number = serializers.CharField()
    state = serializers.ChoiceField(choices=TechSupportState.choices)
    diss_reference = serializers.CharField()
    question = serializers.CharField()
    raised_at = serializers.DateTimeField()
    raised_by = serializers.CharField(source="raised_by_name")
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answered_by = serializers.CharField(source="answered_by_name")
    close_reason = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)


class TechSupportAnswerIn(Serializer):
    answer = service_checked(serializers.CharField, NOT_BLANK, max_length=QUESTION_MAX, allow_blank=True)


class TechSupportCloseIn(Serializer):
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=QUESTION_MAX, allow_blank=True)


class TechSupportList(HotlineView):
    permission_actions = {"GET": "work_order.read"}

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_tech_support_list",
        responses={200: TechSupportOut(many=True), **problems(READ_ERRORS)},
        summary="The dealers' technical-support requests of a work order, oldest first",
        description="Lists the questions the dealer asked the manufacturer's technical support about one "
        "work order (the DISS case number and the question), oldest first, with the answer or the "
        "reason it was closed.",
    )
    def get(self, request: Request, number: str) -> Response:
        rows = TechSupportRequest.objects.filter(work_order=work_order_by_number(number))  # 404 if none
        return Response(TechSupportOut(rows, many=True).data)


class _Settle(_Action):
    """A write on one request of a work order: as every other write, the work order locked and
    ``If-Match`` checked first; the answer is the request."""

    permission_actions = {"POST": "tech_support.answer"}

    def settle(self, work_order: WorkOrder, ticket: str, data: dict) -> TechSupportRequest:
        raise NotImplementedError

    def post(self, request: Request, number: str, ticket: str) -> Response:
        self.ticket = ticket
        return super().post(request, number)

    def act(self, work_order: WorkOrder, data: dict) -> TechSupportRequest:
        return self.settle(work_order, self.ticket, data)

    def answer(self, number: str, result: TechSupportRequest) -> Response:
        return Response(TechSupportOut(result).data)


class TechSupportAnswer(_Settle):
    input_serializer = TechSupportAnswerIn

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_tech_support_answer",
        request=TechSupportAnswerIn,
        parameters=WRITE_HEADERS,
        responses={200: TechSupportOut, **problems(WRITE_ERRORS)},
        summary="Answer a dealer's technical-support request",
        description="Answers an open technical-support request (at most 2,000 characters): the dealer "
        "on duty is told, the hotline's answer window stops and, if the SLA policy paused the completion "
        "window for it, that window runs again. A request already answered or closed is refused "
        "(`request`); `If-Match` with the work order's `ETag` refuses it (412) if the work order changed "
        "since; an `Idempotency-Key` makes a retry safe.",
    )
    def post(self, request: Request, number: str, ticket: str) -> Response:
        return super().post(request, number, ticket)

    def settle(self, work_order: WorkOrder, ticket: str, data: dict) -> TechSupportRequest:
        return tech_support_answer(
            work_order_id=work_order.pk, request=ticket, actor=actor_of(self.request), answer=data["answer"]
        )


class TechSupportClose(_Settle):
    input_serializer = TechSupportCloseIn

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_tech_support_close",
        request=TechSupportCloseIn,
        parameters=WRITE_HEADERS,
        responses={200: TechSupportOut, **problems(WRITE_ERRORS)},
        summary="Close a dealer's technical-support request without a written answer, with the reason",
        description="Closes an open technical-support request with the reason (answered on the phone, no "
        "longer needed): the dealer on duty is told and the windows follow as for an answer. "
        "`If-Match` and `Idempotency-Key` as for an answer.",
    )
    def post(self, request: Request, number: str, ticket: str) -> Response:
        return super().post(request, number, ticket)

    def settle(self, work_order: WorkOrder, ticket: str, data: dict) -> TechSupportRequest:
        return tech_support_close(
            work_order_id=work_order.pk, request=ticket, actor=actor_of(self.request), reason=data["reason"]
        )


__all__ = ["TechSupportAnswer", "TechSupportClose", "TechSupportList"]
