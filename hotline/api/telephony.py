"""The telephony push: the hotline's PBX (any vendor) reports each call's new call, answer and hang-up.

Reached with an integration key of this hotline (``telephony.push``). The body
is JSON or a form, in the shape of the generic CTI most PBXs can send: ``event``
(newCall, answer, hangup), ``callId``, ``from`` (the caller, or "anonymous"),
``to``, ``direction`` (in, out), ``user`` and/or ``extension`` (one or several:
a group call rings several agents), and on a hang-up ``cause``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.fields import MomentField
from config.api.parsers import BoundedJSONParser
from config.api.schema import IDEMPOTENCY_KEY, WRITE_ERRORS, problems
from config.api.serializers import Serializer
from tenants.api.idempotency import idempotent

from ..models import CallDirection
from ..services.calls import CALL_EVENTS, call_event_record
from .views import HotlineView

MAX_AGENTS = 20


class _OneOrMany(serializers.ListField):
    """A list, or one value where a PBX sends a single name."""

    def to_internal_value(self, data: Any) -> list:
        if isinstance(data, str):
            data = [data]
        return super().to_internal_value(data)


class CallEventIn(Serializer):
    event = serializers.ChoiceField(choices=CALL_EVENTS)
    callId = serializers.CharField(max_length=100)
    direction = serializers.ChoiceField(choices=CallDirection.values, default=CallDirection.IN)
    to = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    user = _OneOrMany(
        child=serializers.CharField(max_length=150), required=False, default=list, max_length=MAX_AGENTS
    )
    extension = _OneOrMany(
        child=serializers.CharField(max_length=20), required=False, default=list, max_length=MAX_AGENTS
    )
    cause = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    at = MomentField(required=False, help_text="When it happened (ISO 8601); default: when received.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is the caller's number; a Python keyword, so added by name.
        fields["from"] = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
        return fields

    def validate(self, attrs: dict) -> dict:
        if attrs["event"] == "newCall" and not (attrs["user"] or attrs["extension"]):
            raise serializers.ValidationError(
                {"user": ["A new call names the agents it rings: user or extension."]}
            )
        return attrs


class CallEventOut(Serializer):
    callId = serializers.CharField(source="call.call_id")
    state = serializers.CharField(source="call.state")
    caller = serializers.CharField(source="call.caller")
    owner_known = serializers.BooleanField()
    agents = serializers.IntegerField(help_text="How many agents' browsers show the call.")
    unmatched = serializers.ListField(
        child=serializers.CharField(), help_text="User names and extensions that match no agent here."
    )


class TelephonyCalls(HotlineView):
    permission_actions = {"POST": "telephony.push"}
    parser_classes = [BoundedJSONParser, FormParser]  # many PBXs post a form

    @extend_schema(
        tags=["telephony"],
        operation_id="telephony_call_event",
        request=CallEventIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: CallEventOut, **problems(WRITE_ERRORS)},
        summary="A call's new call, answer or hang-up; the ringing agents' browsers pop the caller up",
        description="For the hotline's telephony system (an integration key): reports a call's new "
        "call, answer or hang-up with the caller's number and the ringing agents' extensions or user "
        "names. The ringing agents' pages show the caller's owner record, open and recent work orders "
        "and the repeat warning; an answer closes the others' pop-ups. Repeated or late events change "
        "nothing.",
    )
    def post(self, request: Request) -> Response:
        data = CallEventIn(data=request.data)
        data.is_valid(raise_exception=True)
        return idempotent(request, lambda: self._record(data.validated_data))

    def _record(self, values: dict) -> Response:
        request = self.request
        call, unmatched = call_event_record(
            hotline=request._request.tenant,
            event=values["event"],
            call_id=values["callId"],
            direction=values["direction"],
            caller=values["from"],
            called=values["to"],
            users=values["user"],
            extensions=values["extension"],
            cause=values["cause"],
            at=values.get("at"),
        )
        body = {
            "call": call,
            "owner_known": call.owner_id is not None,
            "agents": len(call.user_ids),
            "unmatched": unmatched,
        }
        return Response(CallEventOut(body).data, status=status.HTTP_200_OK)
