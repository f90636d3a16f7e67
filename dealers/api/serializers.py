"""What the dealer API reads and writes; the rules live in the hotline services behind the gateway."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hotline.models import Acceptance, CallbackOutcome, ClockKind, ContactMethod, State, StockCheck


class NextDue(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ClockKind.choices)
    due_at = serializers.DateTimeField()


class InboxRowOut(serializers.Serializer):
    manufacturer = serializers.CharField(help_text=_("The manufacturer's code."))
    number = serializers.CharField()
    type = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    received_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField()
    owner_name = serializers.CharField()
    plate = serializers.CharField(allow_null=True)
    next_due = NextDue(allow_null=True)
    assignee_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()


class InboxOut(serializers.Serializer):
    results = InboxRowOut(many=True)


class InboxFilter(serializers.Serializer):
    open_only = serializers.BooleanField(
        required=False, default=True, help_text=_("Only open work orders (default).")
    )
    assignee = serializers.IntegerField(required=False, help_text=_("Only those assigned to this user id."))


class PartLineOut(serializers.Serializer):
    line_no = serializers.IntegerField()
    part_code = serializers.CharField()
    part_name = serializers.CharField()
    quantity = serializers.IntegerField()


class ClockOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ClockKind.choices)
    state = serializers.CharField()
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor_name = serializers.CharField()
    data = serializers.DictField()


class RequestLineOut(PartLineOut):
    state = serializers.CharField()
    expected_date = serializers.DateField(allow_null=True)
    shipped_quantity = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()


class PartsRequestOut(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.CharField()
    raised_at = serializers.DateTimeField()
    lines = RequestLineOut(many=True)


class NoteOut(serializers.Serializer):
    author_id = serializers.IntegerField()
    text = serializers.CharField()
    at = serializers.DateTimeField()


class DealerWorkOrderOut(serializers.Serializer):
    manufacturer = serializers.CharField()
    number = serializers.CharField()
    type = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.CharField()
    channel = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    received_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField()
    first_contact_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    complaint = serializers.CharField()
    owner_demand = serializers.CharField()
    owner = serializers.DictField(child=serializers.CharField())
    vehicle = serializers.DictField(child=serializers.CharField(allow_null=True), allow_null=True)
    stock_check = serializers.CharField()
    result_summary = serializers.CharField()
    owner_acceptance = serializers.CharField()
    part_lines = PartLineOut(many=True)
    clocks = ClockOut(many=True)
    events = EventOut(many=True)
    parts_requests = PartsRequestOut(many=True)
    assignee_id = serializers.IntegerField(allow_null=True)
    notes = NoteOut(many=True)
    version = serializers.IntegerField()


class ContactIn(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_("When (ISO 8601); defaults to now.")
    )
    whom = serializers.CharField(max_length=60, allow_blank=True)
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    reached = serializers.BooleanField()
    agreed = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    solution_offered = serializers.BooleanField(required=False, default=False)


class AssignIn(serializers.Serializer):
    assignee_id = serializers.IntegerField(help_text=_("A user id of a member of this dealer."))


class NoteIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000, allow_blank=True)


class StockCheckIn(serializers.Serializer):
    result = serializers.ChoiceField(choices=StockCheck.choices)
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class PartLineIn(serializers.Serializer):
    part_code = serializers.CharField(max_length=40, allow_blank=True)
    part_name = serializers.CharField(max_length=120, allow_blank=True)
    quantity = serializers.IntegerField()


class PartsRequestIn(serializers.Serializer):
    lines = PartLineIn(
        many=True,
        required=False,
        allow_null=True,
        default=None,
        max_length=20,
        help_text=_("1 to 6 lines; omitted: the work order's lines."),
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class NoteOnlyIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ResolveIn(serializers.Serializer):
    result_summary = serializers.CharField(max_length=5000, allow_blank=True)
    owner_acceptance = serializers.ChoiceField(choices=Acceptance.choices)


class ExtensionIn(serializers.Serializer):
    clock_kind = serializers.ChoiceField(choices=ClockKind.choices)
    minutes = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class TransferIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)
    suggested_dealer = serializers.CharField(
        max_length=32, required=False, help_text=_("Dealer code of a better-placed dealer.")
    )


class DealerCallbackIn(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_("When (ISO 8601); defaults to now.")
    )
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    outcome = serializers.ChoiceField(choices=CallbackOutcome.choices)
    score = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Reached: overall satisfaction, 1 to 10.")
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
    next_attempt_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("“call_later” (required) and “not_owner”: the time agreed, within 14 days."),
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class WithdrawIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)
