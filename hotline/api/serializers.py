"""What the hotline API reads and writes. Rules live in the services; these only shape data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import DayField, IdField, MomentField
from config.api.schema import service_checked
from config.api.serializers import Serializer
from config.bounds import MAX_MILEAGE_KM, MAX_PART_QUANTITY

from ..models import (
    Acceptance,
    Apologiser,
    CallbackOutcome,
    CallbackParty,
    Category,
    Channel,
    Conclusion,
    Gender,
    PartLine,
    RemedyType,
    Responsibility,
    Severity,
    State,
    StockCheck,
    Validity,
    VehicleUse,
    WorkOrder,
    WorkOrderType,
)
from ..satisfaction import SATISFACTION_GROUPS
from ..selectors import KPI_GROUPS
from ..vin import MOBILE_RE, PLATE_RE

NOT_BLANK = {"pattern": r"\S"}  # the service refuses text of spaces only
MOBILE = {"pattern": MOBILE_RE.pattern, "minLength": 11, "maxLength": 11}
# Letters in either case: the service takes a VIN and a plate in capitals.
VIN = {"pattern": "^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$", "minLength": 17, "maxLength": 17}
PLATE = {"pattern": "^$|" + PLATE_RE.pattern.replace("A-HJ-NP-Z", "A-HJ-NP-Za-hj-np-z")}


def when(value: dt.datetime | None) -> str | None:
    """A moment as the API gives it: ISO 8601 in the tenant's zone (None stays None)."""
    return timezone.localtime(value).isoformat() if value else None


class OwnerIn(Serializer):
    """The owner as the caller gives them; a known mobile number updates that owner."""

    name = service_checked(serializers.CharField, NOT_BLANK, max_length=60, allow_blank=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    mobile = service_checked(
        serializers.CharField,
        MOBILE,
        max_length=11,
        allow_blank=True,
        help_text=_("11 digits starting with 1."),
    )
    landline = serializers.CharField(max_length=20, allow_blank=True, required=False)
    email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    province = serializers.CharField(max_length=30, allow_blank=True, required=False)
    city = serializers.CharField(max_length=30, allow_blank=True, required=False)
    address = serializers.CharField(max_length=200, allow_blank=True, required=False)
    postcode = service_checked(
        serializers.CharField,
        {"pattern": "^$|^[0-9]{6}$"},
        max_length=6,
        allow_blank=True,
        required=False,
        help_text=_("6 digits."),
    )


class ComplainantIn(Serializer):
    """Who complained, when not the owner: name and phone together."""

    name = serializers.CharField(max_length=60, allow_blank=True, required=False)
    phone = serializers.CharField(
        max_length=20,
        allow_blank=True,
        required=False,
        help_text=_("A mobile number, or a landline with its area code (020-12345678)."),
    )
    relation = serializers.CharField(
        max_length=30, allow_blank=True, required=False, help_text=_("e.g. 家属, 司机")
    )


class VehicleIn(Serializer):
    """The owner's vehicle: its VIN and model at least."""

    vin = service_checked(
        serializers.CharField,
        VIN,
        max_length=17,
        allow_blank=True,
        help_text=_("17 characters, no I/O/Q, valid check digit."),
    )
    plate = service_checked(
        serializers.CharField,
        PLATE,
        max_length=10,
        allow_blank=True,
        required=False,
        help_text=_("A mainland licence plate, e.g. 粤A12345."),
    )
    model = service_checked(serializers.CharField, NOT_BLANK, max_length=60, allow_blank=True)
    purchase_date = DayField(
        required=False, allow_null=True, help_text=_("Not in the future, not before 1980.")
    )
    mileage_km = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_MILEAGE_KM
    )
    use = serializers.ChoiceField(choices=VehicleUse.choices, allow_blank=True, required=False)

    def to_internal_value(self, data: Any) -> Any:
        # A vehicle whose fields are all empty is no vehicle (as a form's empty fieldset).
        if isinstance(data, dict) and all(value in ("", None) for value in data.values()):
            return {}
        return super().to_internal_value(data)


class PartLineIn(Serializer):
    part_code = service_checked(serializers.CharField, NOT_BLANK, max_length=40, allow_blank=True)
    part_name = service_checked(serializers.CharField, NOT_BLANK, max_length=120, allow_blank=True)
    # At least 1: the service says so together with the other fields' errors.
    quantity = service_checked(
        serializers.IntegerField,
        {"minimum": 1},
        max_value=MAX_PART_QUANTITY,
        help_text=_("At least 1."),
    )


class LocationIn(Serializer):
    """Roadside rescue: where the car stands. Required for type ``rescue``, refused for any other."""

    province = serializers.CharField(max_length=30, allow_blank=True, required=False)
    city = serializers.CharField(max_length=30, allow_blank=True, required=False)
    district = serializers.CharField(max_length=30, allow_blank=True, required=False)
    address = serializers.CharField(max_length=200, allow_blank=True, required=False)
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
        help_text=_("GCJ-02 (as Chinese maps give it), decimal degrees; with longitude or not at all."),
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
        help_text=_("GCJ-02 (as Chinese maps give it), decimal degrees; with latitude or not at all."),
    )
    drivable = serializers.BooleanField(
        required=False, allow_null=True, help_text=_("Whether the car can still be driven.")
    )


class LocationOut(Serializer):
    """Where a car waiting for rescue stands, and the rescuing dealer's promised arrival."""

    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True, help_text=_("GCJ-02, decimal degrees."))
    longitude = serializers.FloatField(allow_null=True, help_text=_("GCJ-02, decimal degrees."))
    drivable = serializers.BooleanField(allow_null=True)
    arrival_promised_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Empty until the rescuing dealer promises a time.")
    )


def location_of(wo: WorkOrder) -> dict[str, Any] | None:
    """A rescue's location; None for any other work order."""
    if wo.type != WorkOrderType.RESCUE:
        return None
    return {
        "province": wo.location_province,
        "city": wo.location_city,
        "district": wo.location_district,
        "address": wo.location_address,
        "latitude": float(wo.location_latitude) if wo.location_latitude is not None else None,
        "longitude": float(wo.location_longitude) if wo.location_longitude is not None else None,
        "drivable": wo.drivable,
        "arrival_promised_at": when(wo.arrival_promised_at),
    }


class WorkOrderIn(Serializer):
    type = serializers.ChoiceField(choices=WorkOrderType.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    complaint = service_checked(serializers.CharField, NOT_BLANK, max_length=5000, allow_blank=True)
    owner_demand = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    owner = OwnerIn()
    vehicle = VehicleIn(required=False, allow_null=True)
    part_lines = PartLineIn(
        many=True,
        required=False,
        max_length=6,
        help_text=_("Parts-shortage work orders: 1 to 6 lines, no code twice; other types: none."),
    )
    dealer = serializers.CharField(
        max_length=32, required=False, help_text=_("Dealer code; omitted: the suggested dealer.")
    )
    received_at = MomentField(
        required=False, help_text=_("When the call came in; defaults to now, never in the future.")
    )
    complainant = ComplainantIn(
        required=False, allow_null=True, help_text=_("Who complained, when not the owner.")
    )
    preferred_contact_time = serializers.CharField(max_length=60, allow_blank=True, required=False)
    incident_at = MomentField(
        required=False,
        allow_null=True,
        help_text=_("When it happened; not after the complaint was received."),
    )
    sales_contract_number = serializers.CharField(max_length=40, allow_blank=True, required=False)
    sales_consultant = serializers.CharField(max_length=60, allow_blank=True, required=False)
    location = LocationIn(
        required=False,
        allow_null=True,
        help_text=_("Roadside rescue: where the car stands (required for type rescue, refused otherwise)."),
    )


class WorkOrderDealer(Serializer):
    code = serializers.CharField(help_text=_("The dealer code in the manufacturer's network."))
    name = serializers.CharField()


class OwnerOut(Serializer):
    """The owner as a work order shows them; every field always present (empty text when unknown)."""

    name = serializers.CharField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    mobile = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()


class ComplainantOut(Serializer):
    """Who complained when not the owner; every field empty text when the owner did."""

    name = serializers.CharField()
    phone = serializers.CharField()
    relation = serializers.CharField()


class RepairOut(Serializer):
    """The dealer's repair record; every field empty text until the dealer records it."""

    order_number = serializers.CharField()
    service_advisor = serializers.CharField()
    team = serializers.CharField()
    labour_description = serializers.CharField()


def complainant_of(wo: WorkOrder) -> dict[str, str]:
    return {"name": wo.complainant_name, "phone": wo.complainant_phone, "relation": wo.complainant_relation}


def repair_of(wo: WorkOrder) -> dict[str, str]:
    return {
        "order_number": wo.repair_order_number,
        "service_advisor": wo.service_advisor,
        "team": wo.repair_team,
        "labour_description": wo.labour_description,
    }


class VehicleOut(Serializer):
    """The vehicle as a work order shows it; ``plate`` is empty text when not known."""

    vin = serializers.CharField()
    plate = serializers.CharField()
    model = serializers.CharField()


class PartLineOut(serializers.ModelSerializer):
    class Meta:
        model = PartLine
        fields = ["line_no", "part_code", "part_name", "quantity"]
        read_only_fields = fields


class RootCauseOut(Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("In the reader's language."))


class ConclusionOut(Serializer):
    """The dealer's conclusion as the hotline sees it (never the dealer's person at fault)."""

    validity = serializers.ChoiceField(choices=Validity.choices)
    invalid_reason = serializers.CharField(help_text=_("Why the complaint is partly or not valid."))
    responsibility = serializers.ChoiceField(choices=Responsibility.choices)
    root_cause = RootCauseOut()
    remedy_types = serializers.ListField(child=serializers.ChoiceField(choices=RemedyType.choices))
    remedy_amount = serializers.CharField(help_text=_('CNY with 2 decimals, e.g. "1250.00".'))
    apologised_by = serializers.ChoiceField(choices=Apologiser.choices, allow_blank=True)
    corrective_action = serializers.CharField()
    corrective_owner = serializers.CharField()
    corrective_due = serializers.DateField(allow_null=True)
    concluded_at = serializers.DateTimeField()
    review_opinion = serializers.CharField(
        help_text=_("The hotline's review (客服部复核意见); empty until then.")
    )
    reviewed_at = serializers.DateTimeField(allow_null=True)


def conclusion_out(conclusion: Conclusion | None) -> dict | None:
    """A conclusion as ``ConclusionOut`` shows it."""
    if conclusion is None:
        return None
    return {
        "validity": conclusion.validity,
        "invalid_reason": conclusion.invalid_reason,
        "responsibility": conclusion.responsibility,
        "root_cause": {"code": conclusion.root_cause.code, "name": conclusion.root_cause.name},
        "remedy_types": list(conclusion.remedy_types),
        "remedy_amount": f"{conclusion.remedy_amount:.2f}",
        "apologised_by": conclusion.apologised_by,
        "corrective_action": conclusion.corrective_action,
        "corrective_owner": conclusion.corrective_owner,
        "corrective_due": conclusion.corrective_due.isoformat() if conclusion.corrective_due else None,
        "concluded_at": when(conclusion.concluded_at),
        "review_opinion": conclusion.review_opinion,
        "reviewed_at": when(conclusion.reviewed_at),
    }


class ReviewIn(Serializer):
    opinion = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class WorkOrderOut(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=State.choices)
    stock_check = serializers.ChoiceField(choices=StockCheck.choices, allow_blank=True)
    owner_acceptance = serializers.ChoiceField(choices=Acceptance.choices, allow_blank=True)
    dealer = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    vehicle = serializers.SerializerMethodField()
    repeat_of = serializers.CharField(source="repeat_number", allow_null=True, default=None)
    part_lines = PartLineOut(many=True)
    complainant = ComplainantOut(read_only=True)
    repair = RepairOut(read_only=True)
    conclusion = serializers.SerializerMethodField()
    location = LocationOut(read_only=True, allow_null=True)

    class Meta:
        model = WorkOrder
        fields = [
            "number",
            "type",
            "category",
            "severity",
            "channel",
            "state",
            "received_at",
            "dispatched_at",
            "first_contact_at",
            "resolved_at",
            "closed_at",
            "closed_unverified",
            "dealer",
            "owner",
            "vehicle",
            "complaint",
            "owner_demand",
            "complainant",
            "preferred_contact_time",
            "incident_at",
            "sales_contract_number",
            "sales_consultant",
            "repair",
            "location",
            "stock_check",
            "needs_parts_centre",
            "result_summary",
            "owner_acceptance",
            "satisfaction",
            "reopen_count",
            "repeat_of",
            "part_lines",
            "conclusion",
            "version",
        ]
        read_only_fields = fields

    def to_representation(self, wo: WorkOrder) -> dict:
        """The same fields as declared, built directly: lists of 50–200 rows are the hot path."""
        return {
            "number": wo.number,
            "type": wo.type,
            "category": wo.category,
            "severity": wo.severity,
            "channel": wo.channel,
            "state": wo.state,
            "received_at": when(wo.received_at),
            "dispatched_at": when(wo.dispatched_at),
            "first_contact_at": when(wo.first_contact_at),
            "resolved_at": when(wo.resolved_at),
            "closed_at": when(wo.closed_at),
            "closed_unverified": wo.closed_unverified,
            "dealer": self.get_dealer(wo),
            "owner": self.get_owner(wo),
            "vehicle": self.get_vehicle(wo),
            "complaint": wo.complaint,
            "owner_demand": wo.owner_demand,
            "complainant": complainant_of(wo),
            "preferred_contact_time": wo.preferred_contact_time,
            "incident_at": when(wo.incident_at),
            "sales_contract_number": wo.sales_contract_number,
            "sales_consultant": wo.sales_consultant,
            "repair": repair_of(wo),
            "location": location_of(wo),
            "stock_check": wo.stock_check,
            "needs_parts_centre": wo.needs_parts_centre,
            "result_summary": wo.result_summary,
            "owner_acceptance": wo.owner_acceptance,
            "satisfaction": wo.satisfaction,
            "reopen_count": wo.reopen_count,
            "repeat_of": wo.repeat_number,
            "part_lines": self._part_lines(wo),
            "conclusion": self.get_conclusion(wo),
            "version": wo.version,
        }

    @extend_schema_field(ConclusionOut(allow_null=True))
    def get_conclusion(self, wo: WorkOrder) -> dict | None:
        try:
            conclusion = wo.conclusion
        except Conclusion.DoesNotExist:
            return None
        return conclusion_out(conclusion)

    def _part_lines(self, wo: WorkOrder) -> list[dict]:
        if "part_lines" in self.context:  # a page's lines, read in one query
            return self.context["part_lines"][wo.pk]
        return list(wo.part_lines.values("line_no", "part_code", "part_name", "quantity"))

    @extend_schema_field(WorkOrderDealer)
    def get_dealer(self, work_order: WorkOrder) -> dict:
        return {"code": work_order.dealer_code, "name": work_order.dealer_name}

    @extend_schema_field(OwnerOut)
    def get_owner(self, work_order: WorkOrder) -> dict:
        # Annotations of hotline.selectors.work_orders_for_hotline.
        return {
            "name": work_order.owner_name,
            "gender": work_order.owner_gender,
            "mobile": work_order.owner_mobile,
            "province": work_order.owner_province,
            "city": work_order.owner_city,
        }

    @extend_schema_field(VehicleOut(allow_null=True))
    def get_vehicle(self, work_order: WorkOrder) -> dict | None:
        if work_order.vehicle_id is None:
            return None
        return {
            "vin": work_order.vehicle_vin,
            "plate": work_order.vehicle_plate,
            "model": work_order.vehicle_model,
        }


class WorkOrderFilter(Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    type = serializers.ChoiceField(choices=WorkOrderType.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    dealer = serializers.CharField(max_length=32, required=False, help_text=_("Dealer code."))
    since = MomentField(required=False, help_text=_("Received at or after (ISO 8601)."))
    until = MomentField(required=False, help_text=_("Received before (ISO 8601)."))


class CallbackIn(Serializer):
    outcome = serializers.ChoiceField(choices=CallbackOutcome.choices)
    score = service_checked(
        serializers.IntegerField,
        {"minimum": 1, "maximum": 10},
        required=False,
        allow_null=True,
        help_text=_("1 to 10; required when reached."),
    )
    solved = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("When reached: is the fault fully fixed?")
    )
    next_attempt_at = MomentField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("“call_later” (required) and “not_owner”: the time agreed, within 14 days."),
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    answers = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            "Reached: the questionnaire's answers by item code — a score 1 to 10, true/false, "
            "or detailed/partly/not_explained. “score” is the overall item."
        ),
    )


class CallbackAnswerOut(Serializer):
    code = serializers.CharField(source="item.code")
    question = serializers.CharField(source="item.text")
    dimension = serializers.CharField(source="item.dimension")
    kind = serializers.CharField(source="item.kind")
    value = serializers.JSONField(help_text=_("A score, true/false, or detailed/partly/not_explained."))


class CallbackOut(Serializer):
    party = serializers.ChoiceField(choices=CallbackParty.choices)
    outcome = serializers.ChoiceField(choices=CallbackOutcome.choices)
    questionnaire = serializers.IntegerField(allow_null=True, help_text=_("The version answered."))
    answers = CallbackAnswerOut(many=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    solved = serializers.BooleanField(allow_null=True)
    at = serializers.DateTimeField()
    work_order = WorkOrderOut()


class ReasonIn(Serializer):
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class ReclassifyIn(Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class UpgradeDecisionIn(Serializer):
    request = IdField(help_text=_("The id of the dealer's pending upgrade request."))
    grant = serializers.BooleanField(help_text=_("True: make it a major complaint; false: refuse."))
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class KpiFilter(Serializer):
    since = MomentField(required=False, help_text=_("Received at or after (ISO 8601)."))
    until = MomentField(required=False, help_text=_("Received before (ISO 8601)."))
    dealer = serializers.CharField(max_length=32, required=False, help_text=_("Dealer code."))
    group = serializers.ChoiceField(
        choices=KPI_GROUPS,
        required=False,
        help_text=_("Also give the figures per dealer, region, category, week or month of receipt."),
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": _("The end of the period is before its start.")})
        return attrs


class KpiFigures(Serializer):
    total = serializers.IntegerField(
        help_text=_("Work orders received in the period, cancelled ones left out.")
    )
    response_rate = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "Timely response, percent: first-contact windows met among those decided (stopped, or missed)."
        ),
    )
    completion_rate = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "Timely completion, percent: the completion window of parts work "
            "orders and the answer window of the others, met among those decided."
        ),
    )
    overdue = serializers.IntegerField(
        help_text=_("Work orders with a running window past its due time now.")
    )
    repeat_rate = serializers.FloatField(allow_null=True, help_text=_("Repeat work orders, percent."))
    reopen_rate = serializers.FloatField(allow_null=True, help_text=_("Reopened work orders, percent."))
    scored = serializers.IntegerField(help_text=_("Work orders with a callback score."))
    band_high = serializers.IntegerField(help_text=_("Scores 8–10: fully satisfied."))
    band_mid = serializers.IntegerField(help_text=_("Scores 6–7: basically satisfied."))
    band_low = serializers.IntegerField(help_text=_("Scores below 6: unsatisfied."))


class KpiRow(KpiFigures):
    key = serializers.CharField(
        help_text=_("Dealer code, region id, category, or the first day of the week or month.")
    )
    label = serializers.CharField()


class KpiOut(Serializer):
    totals = KpiFigures()
    group = serializers.ChoiceField(choices=KPI_GROUPS, allow_null=True)
    rows = KpiRow(many=True, help_text=_("Per group; empty without a group."))


class SatisfactionFilter(KpiFilter):
    group = serializers.ChoiceField(
        choices=SATISFACTION_GROUPS,
        required=False,
        help_text=_(
            "Also give the figures per dealer, region, hotline agent (who recorded the work order), "
            "or week or month of receipt."
        ),
    )


class SatisfactionFigures(Serializer):
    work_orders = serializers.IntegerField(
        help_text=_("Work orders received in the period, cancelled ones left out.")
    )
    attempted = serializers.IntegerField(help_text=_("Of these, called back at least once by a person."))
    reached = serializers.IntegerField(help_text=_("Of these, reached at least once."))
    success_rate = serializers.FloatField(
        allow_null=True, help_text=_("Callback success, percent: reached ÷ called back (work orders).")
    )
    reached_callbacks = serializers.IntegerField(help_text=_("Reached callbacks by a person."))
    scored = serializers.IntegerField(help_text=_("Reached callbacks that gave an overall score."))
    band_high = serializers.IntegerField(help_text=_("Scored callbacks with 8–10 (fully satisfied)."))
    band_mid = serializers.IntegerField(help_text=_("Scored callbacks with 6–7 (basically satisfied)."))
    band_low = serializers.IntegerField(help_text=_("Scored callbacks with 1–5 (unsatisfied)."))
    high_rate = serializers.FloatField(
        allow_null=True, help_text=_("Fully satisfied, percent of scored callbacks.")
    )
    mid_rate = serializers.FloatField(
        allow_null=True, help_text=_("Basically satisfied, percent of scored callbacks.")
    )
    low_rate = serializers.FloatField(
        allow_null=True, help_text=_("Unsatisfied, percent of scored callbacks.")
    )
    closed_unverified = serializers.IntegerField(help_text=_("Closed — not verified."))
    failed = serializers.IntegerField(help_text=_("Called back and never reached."))


class SatisfactionRow(SatisfactionFigures):
    key = serializers.CharField(
        help_text=_("Dealer code, region id, user id, or the first day of the period.")
    )
    label = serializers.CharField()


class WeakItem(Serializer):
    questionnaire = serializers.CharField()
    code = serializers.CharField()
    question = serializers.CharField()
    dimension = serializers.CharField(source="dimension_code")
    answers = serializers.IntegerField()
    index = serializers.FloatField(
        help_text=_(
            "0–100: 100 when every answer is the best (10, yes, in detail), 0 when every one is the worst."
        )
    )


class FailedCallback(Serializer):
    number = serializers.CharField()
    dealer_code = serializers.CharField()
    dealer_name = serializers.CharField()
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    last_at = serializers.DateTimeField()
    last_outcome = serializers.CharField()
    last_party = serializers.CharField()


class SatisfactionOut(Serializer):
    totals = SatisfactionFigures()
    group = serializers.ChoiceField(choices=SATISFACTION_GROUPS, allow_null=True)
    rows = SatisfactionRow(many=True, help_text=_("Per group; empty without a group."))
    weakest = WeakItem(
        many=True, help_text=_("The three weakest questionnaire items, the overall one apart.")
    )
    failed = FailedCallback(
        many=True, help_text=_("Work orders called back and never reached, newest first.")
    )
