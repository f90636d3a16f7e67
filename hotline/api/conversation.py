"""Hotline API: the conversation with the dealer on a work order.

One thread both sides read (the dealer's API lists its own part of it); a message may
mention people who may read the work order, who are told. The same service as the portal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.fields import IdField
from config.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, problems
from config.api.serializers import Serializer
from tenants.api.authentication import actor_of
from tenants.api.idempotency import idempotent

from ..models import MESSAGE_MAX_LENGTH, Message, Side
from ..selectors import conversation_of, work_order_by_number
from ..services.conversation import message_post
from .views import TAG, HotlineView

# At most this many people in one message's mentions.
MENTIONS_MAX = 50


class MessageIn(Serializer):
    text = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, help_text=_("Both sides read it."))
    mentions = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        max_length=MENTIONS_MAX,
        help_text=_(
            "User ids of people to tell: the hotline's staff, or the staff of the dealer the work order "
            "is routed to. Anyone else is refused."
        ),
    )


class MentionOut(Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()


class MessageOut(Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    side = serializers.ChoiceField(choices=Side.choices)
    author_id = serializers.IntegerField(allow_null=True, help_text=_("Null: written by a system's API key."))
    author = serializers.CharField(
        source="author_name", help_text=_("The person's name, or the API key's for a system.")
    )
    dealer = serializers.CharField(source="dealer_name", help_text=_("The dealer of the conversation."))
    text = serializers.CharField()
    mentions = MentionOut(many=True)
    new = serializers.BooleanField(
        help_text=_("Not yet read by the person calling (always false for an API key).")
    )


def message_out(message: Message) -> dict[str, Any]:
    """One message as both APIs give it."""
    return {
        "id": message.pk,
        "at": message.at,
        "side": message.side,
        "author_id": message.author_id or None,
        "author_name": message.author_name,
        "dealer_name": message.dealer_name,
        "text": message.text,
        "mentions": [{"user_id": m.user_id, "name": m.name} for m in message.mentions.all()],
        "new": bool(getattr(message, "is_new", False)),
    }


def reader_of(request: Request) -> tuple[int, int] | None:
    """The person calling, as a reader of conversations (an API key reads as nobody)."""
    actor = actor_of(request)
    return (actor.tenant_id, actor.user_id) if actor.user_id and actor.tenant_id else None


class WorkOrderMessages(HotlineView):
    permission_actions = {"GET": "work_order.read", "POST": "work_order.message"}

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_messages_list",
        responses={200: MessageOut(many=True), **problems(READ_ERRORS)},
        summary="The conversation with the dealer on a work order, oldest first",
        description="Lists the messages the hotline and the dealers it was routed to wrote to each other "
        "on one work order, oldest first: who wrote each (a person, or the name of a system's API key), "
        "from which side, the dealer of the conversation, the people mentioned, and whether it is new "
        "to the person calling. Reading here does not mark anything read; opening the work order's "
        "page does.",
    )
    def get(self, request: Request, number: str) -> Response:
        conversation = conversation_of(work_order_by_number(number), reader=reader_of(request))
        return Response(MessageOut([message_out(m) for m in conversation.messages], many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_messages_create",
        request=MessageIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: MessageOut, **problems(WRITE_ERRORS)},
        summary="Write to the dealer in the work order's conversation (mentioned people are told)",
        description="Adds a message (1 to 2,000 characters) to the conversation with the dealer the "
        "work order is routed to; the dealer reads it on its page and through its API. `mentions` names "
        "people to tell by user id: the hotline's staff and the dealer's staff; anyone else is refused "
        "naming `mentions`, and nothing is saved. An `Idempotency-Key` makes a retry safe.",
    )
    def post(self, request: Request, number: str) -> Response:
        serializer = MessageIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def run() -> Response:
            message = message_post(
                work_order_id=work_order_by_number(number).pk,  # DoesNotExist: 404
                actor=actor_of(request),
                text=data["text"],
                mentions=data["mentions"],
            )
            return Response(MessageOut(message_out(message)).data, status=201)

        return idempotent(request, run)
