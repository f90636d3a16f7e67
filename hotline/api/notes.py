"""Hotline API: the hotline's notes on a work order and the owner's logged calls about it.

Notes never leave the hotline (no event, no webhook, nothing for the dealer); a
logged call tells the dealer its topic only. The same services as the portal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.fields import MomentField
from config.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, problems
from config.api.serializers import Serializer
from config.bounds import MAX_ID
from tenants.api.authentication import actor_of
from tenants.api.idempotency import idempotent

from ..models import NOTE_MAX_LENGTH, OwnerCallTopic, WorkOrder
from ..selectors import hotline_notes_of, work_order_by_number
from ..services.notes import hotline_note_add, owner_call_log
from .views import TAG, HotlineView


class HotlineNoteIn(Serializer):
    text = serializers.CharField(max_length=NOTE_MAX_LENGTH, help_text=_("Only the hotline sees it."))


class HotlineNoteOut(Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    author = serializers.CharField()
    text = serializers.CharField()


class OwnerCallIn(Serializer):
    at = MomentField(required=False, allow_null=True, default=None, help_text=_("Empty: now."))
    topic = serializers.ChoiceField(choices=OwnerCallTopic.choices)
    summary = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    call = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("The telephony call's id, when the call came through the telephony system."),
    )


class OwnerCallOut(Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    author = serializers.CharField()
    topic = serializers.CharField()
    summary = serializers.CharField()
    call = serializers.IntegerField(source="call_id", allow_null=True)


def _work_order(number: str) -> WorkOrder:
    return work_order_by_number(number)  # DoesNotExist: 404


def _authored(row: Any, request: Request) -> Any:
    """A row just written, with its author's name as the lists give it."""
    actor = actor_of(request)
    row.author = actor.name or getattr(request.user, "username", "")
    return row


class WorkOrderNotes(HotlineView):
    permission_actions = {"GET": "work_order.read", "POST": "work_order.note"}

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_notes_list",
        responses={200: HotlineNoteOut(many=True), **problems(READ_ERRORS)},
        summary="The hotline's notes on a work order, oldest first",
        description="Lists the hotline's internal notes on one work order, oldest first, each with its "
        "author and time. Notes stay in the hotline: no dealer page, webhook or notification carries them.",
    )
    def get(self, request: Request, number: str) -> Response:
        notes, _calls = hotline_notes_of(_work_order(number))
        return Response(HotlineNoteOut(notes, many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_notes_create",
        request=HotlineNoteIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: HotlineNoteOut, **problems(WRITE_ERRORS)},
        summary="Add a hotline note (never shown to the dealer)",
        description="Adds an internal note of the hotline to one work order (at most 2,000 characters). "
        "It is kept with its author and time and is never shown to the dealer; an `Idempotency-Key` "
        "makes a retry safe.",
    )
    def post(self, request: Request, number: str) -> Response:
        serializer = HotlineNoteIn(data=request.data)
        serializer.is_valid(raise_exception=True)

        def run() -> Response:
            note = hotline_note_add(
                work_order_id=_work_order(number).pk,
                actor=actor_of(request),
                text=serializer.validated_data["text"],
            )
            return Response(HotlineNoteOut(_authored(note, request)).data, status=201)

        return idempotent(request, run)


class WorkOrderOwnerCalls(HotlineView):
    permission_actions = {"GET": "work_order.read", "POST": "work_order.owner_call"}

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_owner_calls_list",
        responses={200: OwnerCallOut(many=True), **problems(READ_ERRORS)},
        summary="The owner's logged calls about a work order, oldest first",
        description="Lists the calls the owner made to the hotline about one work order, oldest first: "
        "when, the topic and the agent's summary.",
    )
    def get(self, request: Request, number: str) -> Response:
        _notes, calls = hotline_notes_of(_work_order(number))
        return Response(OwnerCallOut(calls, many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_owner_calls_create",
        request=OwnerCallIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: OwnerCallOut, **problems(WRITE_ERRORS)},
        summary="Log a call from the owner about a work order (the dealer is told the topic)",
        description="Logs a call the owner made to the hotline about one work order: when (not in the "
        "future, not before the work order was received), the topic and a summary. The dealer's "
        "timeline shows that the owner called and the topic, never the summary.",
    )
    def post(self, request: Request, number: str) -> Response:
        serializer = OwnerCallIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def run() -> Response:
            log = owner_call_log(
                work_order_id=_work_order(number).pk,
                actor=actor_of(request),
                topic=data["topic"],
                summary=data["summary"],
                at=data["at"],
                call_id=data["call"],
            )
            return Response(OwnerCallOut(_authored(log, request)).data, status=201)

        return idempotent(request, run)
