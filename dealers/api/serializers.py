"""What the dealer API reads and writes; the rules live in the hotline services behind the gateway."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import DayField, IdField, MomentField
from config.api.schema import service_checked
from config.api.serializers import Serializer
from hotline.api.serializers import (
    NOT_BLANK,
    ComplainantOut,
    ConclusionOut,
    LocationOut,
    PartLineIn,
    RepairOut,
    VehicleOut,
)
from hotline.models import (
    Acceptance,
    Apologiser,
    CallbackOutcome,
    Category,
    Channel,
    ClockKind,
    ClockState,
    ContactMethod,
    Department,
    RemedyType,
    Responsibility,
    Severity,
    State,
    StockCheck,
    Validity,
    WorkOrderType,
)
from hotline.services.conclusions import CONCLUSION_FIELDS
from parts_tickets.models import LineState, RequestState


class NextDue(Serializer):
    kind = serializers.ChoiceField(choices=ClockKind.choices)
    due_at = serializers.DateTimeField()


class InboxRowOut(Serializer):
    manufacturer = serializers.CharField(help_text=_("The manufacturer's code."))
    number = serializers.CharField()
    type = serializers.ChoiceField(choices=WorkOrderType.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    state = serializers.ChoiceField(choices=State.choices)
    received_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField()
    owner_name = serializers.CharField()
    plate = serializers.CharField(allow_null=True, help_text=_("Null when the work order has no vehicle."))
    next_due = NextDue(allow_null=True, help_text=_("The running window due first; null when none runs."))
    overdue = serializers.BooleanField(help_text=_("A running window is past its due time."))
    assignee_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()


class InboxOut(Serializer):
    results = InboxRowOut(many=True)
    count = serializers.IntegerField(help_text=_("Work orders matching the filters, on every page."))
    next_cursor = serializers.CharField(
        allow_null=True, help_text=_("Pass back as `cursor` for the next page; null on the last.")
    )


class RootCauseRowOut(Serializer):
    code = serializers.CharField(help_text=_("What a conclusion's `root_cause` gives."))
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class RootCausesOut(Serializer):
    results = RootCauseRowOut(many=True)


class InboxFilter(Serializer):
    open_only = serializers.BooleanField(
        required=False, default=True, help_text=_("Only open work orders (default).")
    )
    assignee = IdField(required=False, help_text=_("Only those assigned to this user id."))
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        help_text=_("Only this severity: `major` is the queue of major complaints."),
    )
    cursor = serializers.CharField(
        required=False, max_length=500, help_text=_("The `next_cursor` of the previous page.")
    )
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=200,
        default=50,
        help_text=_("Rows per page, 1–200 (default 50)."),
    )


class PartLineOut(Serializer):
    line_no = serializers.IntegerField()
    part_code = serializers.CharField()
    part_name = serializers.CharField()
    quantity = serializers.IntegerField()


class ClockOut(Serializer):
    kind = serializers.ChoiceField(choices=ClockKind.choices)
    state = serializers.ChoiceField(choices=ClockState.choices)
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    met = serializers.BooleanField(allow_null=True, help_text=_("Null while the window runs."))


class EventOut(Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("What happened, e.g. `work_order.dispatched`."))
    at = serializers.DateTimeField()
    actor_name = serializers.CharField()
    data = serializers.DictField(help_text=_("What changed; its keys depend on the kind."))


class RequestLineOut(PartLineOut):
    state = serializers.ChoiceField(choices=LineState.choices)
    expected_date = serializers.DateField(
        allow_null=True, help_text=_("When a back-ordered part is expected.")
    )
    reject_reason = serializers.CharField()
    shipped_quantity = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)


class PartsRequestOut(Serializer):
    number = serializers.CharField()
    state = serializers.ChoiceField(choices=RequestState.choices)
    raised_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    lines = RequestLineOut(many=True)


class NoteOut(Serializer):
    author_id = serializers.IntegerField(
        allow_null=True, help_text=_("The user id of the person who wrote it; null when a system wrote it.")
    )
    author_name = serializers.CharField(
        help_text=_("The person's name, or the name of the API key of the system that wrote it.")
    )
    text = serializers.CharField()
    at = serializers.DateTimeField()


class DealerOwnerOut(Serializer):
    """The owner as a dealer sees them; every field always present (empty text when unknown)."""

    name = serializers.CharField()
    mobile = serializers.CharField()
    landline = serializers.CharField()
    email = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()


class DealerConclusionOut(ConclusionOut):
    person_at_fault = serializers.CharField(
        help_text=_("Only this dealer sees it (never the manufacturer); empty when nobody was named.")
    )


class DealerWorkOrderOut(Serializer):
    manufacturer = serializers.CharField(help_text=_("The manufacturer's code."))
    number = serializers.CharField()
    type = serializers.ChoiceField(choices=WorkOrderType.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    state = serializers.ChoiceField(choices=State.choices)
    received_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField()
    first_contact_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    complaint = serializers.CharField()
    owner_demand = serializers.CharField()
    owner = DealerOwnerOut()
    complainant = ComplainantOut()
    preferred_contact_time = serializers.CharField()
    incident_at = serializers.DateTimeField(allow_null=True)
    sales_contract_number = serializers.CharField()
    sales_consultant = serializers.CharField()
    repair = RepairOut()
    location = LocationOut(allow_null=True, help_text=_("Roadside rescue: where the car stands; else null."))
    vehicle = VehicleOut(allow_null=True)
    stock_check = serializers.ChoiceField(
        choices=StockCheck.choices, allow_blank=True, help_text=_("Empty until the stock check.")
    )
    result_summary = serializers.CharField()
    owner_acceptance = serializers.ChoiceField(
        choices=Acceptance.choices, allow_blank=True, help_text=_("Empty until resolved.")
    )
    part_lines = PartLineOut(many=True)
    clocks = ClockOut(many=True)
    events = EventOut(many=True)
    parts_requests = PartsRequestOut(many=True)
    assignee_id = serializers.IntegerField(allow_null=True)
    notes = NoteOut(many=True)
    conclusion = DealerConclusionOut(allow_null=True, help_text=_("Null until first resolved."))
    version = serializers.IntegerField()


class ContactIn(Serializer):
    at = MomentField(
        required=False, allow_null=True, default=None, help_text=_("When (ISO 8601); defaults to now.")
    )
    whom = service_checked(serializers.CharField, NOT_BLANK, max_length=60, allow_blank=True)
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    reached = serializers.BooleanField()
    agreed = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    solution_offered = serializers.BooleanField(required=False, default=False)
    on_behalf_of_id = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "A general manager's or service director's user id: the answer is theirs and stops the "
            "major-complaint window once they confirm it."
        ),
    )


class RepairIn(Serializer):
    repair_order_number = service_checked(serializers.CharField, NOT_BLANK, max_length=40, allow_blank=True)
    service_advisor = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    repair_team = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    labour_description = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class HandOffIn(Serializer):
    department = serializers.ChoiceField(choices=Department.choices)
    head_id = IdField(help_text=_("A user id of a member of this dealer: the department's head."))


class DepartmentAnswerIn(Serializer):
    result = service_checked(serializers.CharField, NOT_BLANK, max_length=5000, allow_blank=True)


class ProgressReportIn(Serializer):
    text = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class ArrivalIn(Serializer):
    arrival_promised_at = MomentField(
        help_text=_("When the rescue will be at the car, as promised to the owner (within 24 hours).")
    )
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class AssignIn(Serializer):
    assignee_id = IdField(help_text=_("A user id of a member of this dealer."))


class NoteIn(Serializer):
    text = service_checked(serializers.CharField, NOT_BLANK, max_length=5000, allow_blank=True)


class StockCheckIn(Serializer):
    result = serializers.ChoiceField(choices=StockCheck.choices)
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class PartsRequestIn(Serializer):
    lines = PartLineIn(
        many=True,
        required=False,
        allow_null=True,
        default=None,
        max_length=6,
        help_text=_("1 to 6 lines; omitted: the work order's lines."),
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class NoteOnlyIn(Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


# The resolve body's fields that make up the conclusion (the person at fault is one of them).
CONCLUSION_FIELDS_GIVEN = frozenset({*CONCLUSION_FIELDS, "person_at_fault"})


class ResolveIn(Serializer):
    """The result and the conclusion. A body with no conclusion field at all resolves as version 1
    did (the API grows only by addition); any conclusion field asks for the whole conclusion, every
    missing or wrong field named at once."""

    result_summary = service_checked(serializers.CharField, NOT_BLANK, max_length=5000, allow_blank=True)
    owner_acceptance = serializers.ChoiceField(choices=Acceptance.choices)
    validity = serializers.ChoiceField(
        choices=Validity.choices,
        required=False,
        help_text=_("Is the complaint valid? Required with the conclusion."),
    )
    invalid_reason = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Required when partly_valid or not_valid: why (e.g. misuse, as explained to the owner)."),
    )
    responsibility = serializers.ChoiceField(
        choices=Responsibility.choices,
        required=False,
        help_text=_("Who is responsible. Required with the conclusion."),
    )
    root_cause = serializers.CharField(
        max_length=40,
        required=False,
        help_text=_(
            "The code of a root cause in use in the manufacturer's list. Required with the conclusion."
        ),
    )
    remedy_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RemedyType.choices),
        max_length=len(RemedyType.values),
        required=False,
        default=list,
        help_text=_("At least one remedy, each once. Required with the conclusion."),
    )
    remedy_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=1_000_000,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("CNY with at most 2 decimals; required (above 0) for a refund or compensation."),
    )
    apologised_by = serializers.ChoiceField(
        choices=Apologiser.choices,
        allow_blank=True,
        required=False,
        help_text=_("Required when the remedies include an apology."),
    )
    corrective_action = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("What will be done so it does not recur; required unless not_valid."),
    )
    corrective_owner = serializers.CharField(
        max_length=120, allow_blank=True, required=False, default="", help_text=_("Required with an action.")
    )
    corrective_due = DayField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Required with an action: a date from today to a year ahead."),
    )
    person_at_fault = serializers.CharField(
        max_length=120,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Kept by this dealer only; the manufacturer never receives it."),
    )

    def validate(self, attrs: dict) -> dict:
        given = set(getattr(self, "initial_data", None) or {})
        attrs["conclusion_omitted"] = not (given & CONCLUSION_FIELDS_GIVEN)
        return attrs


class ExtensionIn(Serializer):
    clock_kind = serializers.ChoiceField(choices=ClockKind.choices)
    minutes = service_checked(
        serializers.IntegerField,
        {"minimum": 1, "maximum": 60 * 24 * 30},
        help_text=_("More minutes for the window: 1 minute to 30 days."),
    )
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class UpgradeIn(Serializer):
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class SeniorConfirmIn(Serializer):
    """Nothing to send: the caller confirms the answers recorded on their own behalf."""


class TransferIn(Serializer):
    reason = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)
    suggested_dealer = serializers.CharField(
        max_length=32, required=False, help_text=_("Dealer code of a better-placed dealer.")
    )


class TechSupportIn(Serializer):
    diss_reference = service_checked(
        serializers.CharField,
        NOT_BLANK,
        max_length=40,
        allow_blank=True,
        help_text=_("The number of the case opened in DISS (letters, digits, - _ / .)."),
    )
    question = service_checked(serializers.CharField, NOT_BLANK, max_length=2000, allow_blank=True)


class DealerCallbackIn(Serializer):
    at = MomentField(
        required=False, allow_null=True, default=None, help_text=_("When (ISO 8601); defaults to now.")
    )
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    outcome = serializers.ChoiceField(choices=CallbackOutcome.choices)
    score = service_checked(
        serializers.IntegerField,
        {"minimum": 1, "maximum": 10},
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Reached: overall satisfaction, 1 to 10."),
    )
    solved = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("Reached: is the fault fully fixed?")
    )
    reminder_given = serializers.BooleanField(required=False, default=False)
    answers = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            "Reached: the questionnaire's answers by item code — a score 1 to 10, true/false, "
            "or detailed/partly/not_explained. “score” is the overall item."
        ),
    )
    next_attempt_at = MomentField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("“call_later” (required) and “not_owner”: the time agreed, within 14 days."),
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class WithdrawIn(Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)
