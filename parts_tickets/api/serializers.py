"""What the parts-centre API reads and writes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import DayField, MomentField
from config.api.schema import service_checked
from config.api.serializers import Serializer
from config.bounds import MAX_PART_QUANTITY
from hotline.api.serializers import NOT_BLANK

from ..models import LineState, PartsRequest, PartsRequestLine, RequestState
from ..services import parts_request_delivered_at


class PartsLineOut(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=LineState.choices)

    class Meta:
        model = PartsRequestLine
        fields = [
            "line_no",
            "part_code",
            "part_name",
            "quantity",
            "state",
            "expected_date",
            "reject_reason",
            "carrier",
            "tracking_number",
            "shipped_quantity",
            "shipped_at",
        ]
        read_only_fields = fields


class PartsRequestDealer(Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PartsRequestOut(serializers.ModelSerializer):
    work_order = serializers.CharField(source="work_order.number")
    state = serializers.ChoiceField(choices=RequestState.choices)
    dealer = serializers.SerializerMethodField()
    lines = PartsLineOut(many=True)

    class Meta:
        model = PartsRequest
        fields = [
            "number",
            "work_order",
            "state",
            "dealer",
            "raised_at",
            "acknowledged_at",
            "shipped_at",
            "received_at",
            "note",
            "version",
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(PartsRequestDealer)
    def get_dealer(self, request: PartsRequest) -> dict:
        return {"code": request.work_order.dealer_code, "name": request.work_order.dealer_name}


class PartsRequestDetailOut(PartsRequestOut):
    delivered_at = serializers.SerializerMethodField()

    class Meta(PartsRequestOut.Meta):
        fields = [*PartsRequestOut.Meta.fields, "delivered_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_delivered_at(self, request: PartsRequest) -> str | None:
        value = parts_request_delivered_at(request)
        return serializers.DateTimeField().to_representation(value) if value else None


class PartsRequestFilter(Serializer):
    state = serializers.ChoiceField(
        choices=RequestState.choices, required=False, help_text=_("Only requests in this state.")
    )
    dealer = serializers.CharField(
        required=False, max_length=32, help_text=_("Only requests of the dealer with this dealer code.")
    )
    since = MomentField(required=False, help_text=_("Only requests raised at or after this time (ISO 8601)."))


class BackOrderIn(Serializer):
    expected_date = DayField(help_text=_("When the part is expected (ISO 8601 date)."))


class RejectIn(Serializer):
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class ShipmentLineIn(Serializer):
    line_no = serializers.IntegerField(min_value=1, max_value=6)
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PART_QUANTITY,
        required=False,
        help_text=_("Defaults to what is left of the line."),
    )


class ShipmentIn(Serializer):
    carrier = service_checked(serializers.CharField, NOT_BLANK, max_length=60, allow_blank=True)
    tracking_number = service_checked(serializers.CharField, NOT_BLANK, max_length=60, allow_blank=True)
    lines = ShipmentLineIn(many=True, allow_empty=True)


class DeliveredIn(Serializer):
    delivered_at = MomentField(required=False, help_text=_("Defaults to now."))


class PartsCentreOut(Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class WorkOrderPartsRequestOut(PartsRequestDetailOut):
    """A parts-support request as the hotline follows it: which centre, and how far it got."""

    parts_centre = serializers.SerializerMethodField()

    class Meta(PartsRequestDetailOut.Meta):
        fields = [*PartsRequestDetailOut.Meta.fields, "parts_centre"]
        read_only_fields = fields

    @extend_schema_field(PartsCentreOut)
    def get_parts_centre(self, request: PartsRequest) -> dict:
        code, name = self.context["parts_centres"].get(request.parts_centre_id, ("", ""))
        return {"code": code, "name": name}


class WorkOrderPartsRequestsOut(Serializer):
    results = WorkOrderPartsRequestOut(many=True)
