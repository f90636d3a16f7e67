"""The dealer's forms for the actions on a work order routed to it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from config.bounds import MomentFormField
from hotline.models import (
    Acceptance,
    Apologiser,
    CallbackOutcome,
    ClockKind,
    ContactMethod,
    Department,
    Questionnaire,
    RemedyType,
    Responsibility,
    Severity,
    State,
    StockCheck,
    Validity,
    WorkOrder,
)
from hotline.questionnaire_form import answers_of, questionnaire_fields_add
from hotline.services.handling import DEALER_EXTENDABLE


class InboxFilter(forms.Form):
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("All")), *Severity.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    closed = forms.BooleanField(label=_("Include finished"), required=False)
    due_within = forms.TypedChoiceField(
        label=_("Due within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any time")), ("120", _("2 hours")), ("1440", _("1 day"))],
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Number, mobile, owner, plate or VIN")}),
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All")), *State.choices]


class DealerActionForm(forms.Form):
    """A dealer action's form: its cleaned data are the action's arguments.

    ``staff``: the people here (who can be assigned); ``windows``: the work order's running
    windows (what more time can be asked for); ``seniors``: the senior managers here (on whose
    behalf an answer can be recorded).
    """

    def __init__(
        self,
        *args,
        staff: list[tuple[str, str]] | None = None,
        windows: list[str] | None = None,
        questionnaire: Questionnaire | None = None,
        work_order: WorkOrder | None = None,
        seniors: list[tuple[str, str]] | None = None,
        root_causes: list[tuple[str, str]] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)


class ContactForm(DealerActionForm):
    at = MomentFormField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now"),
    )
    whom = forms.CharField(label=_("Whom"), max_length=60)
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices)
    # No answer is preselected: the person says whether the owner was reached.
    reached = forms.TypedChoiceField(
        label=_("Reached the owner?"),
        choices=[("", _("Choose…")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
    agreed = forms.CharField(
        label=_("What was said or agreed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    solution_offered = forms.BooleanField(label=_("A solution was offered"), required=False)
    on_behalf_of_id = forms.TypedChoiceField(
        label=_("On behalf of (senior management)"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("The general manager or service director whose answer this is; they confirm it."),
    )

    def __init__(self, *args, seniors: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, seniors=seniors, **kwargs)
        self.fields["on_behalf_of_id"].choices = [("", "—"), *(seniors or [])]


class AssignForm(DealerActionForm):
    assignee_id = forms.TypedChoiceField(label=_("Assign to"), coerce=int)

    def __init__(self, *args, staff: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, staff=staff, **kwargs)
        self.fields["assignee_id"].choices = [("", "—"), *(staff or [])]


class HandOffForm(DealerActionForm):
    """The complaint to the responsible department's head (within 30 minutes of dispatch)."""

    department = forms.ChoiceField(label=_("Department"), choices=[("", "—"), *Department.choices])
    head_id = forms.TypedChoiceField(label=_("Department head"), coerce=int)

    def __init__(self, *args, staff: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, staff=staff, **kwargs)
        self.fields["head_id"].choices = [("", "—"), *(staff or [])]


class DepartmentAnswerForm(DealerActionForm):
    result = forms.CharField(
        label=_("What the department found and did"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen only by this dealer; the manufacturer sees that the department answered."),
    )


class ProgressReportForm(DealerActionForm):
    text = forms.CharField(
        label=_("Progress report to the customer-service centre"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The hotline sees it, and the agent who recorded the complaint is told."),
    )


class NoteForm(DealerActionForm):
    text = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}))


class StockCheckForm(DealerActionForm):
    result = forms.ChoiceField(label=_("Where the parts come from"), choices=StockCheck.choices)
    note = forms.CharField(label=_("Note"), required=False)


class PartsRequestForm(DealerActionForm):
    """The note, and the part lines the editor posts as parallel lists (empty rows left out)."""

    note = forms.CharField(
        label=_("Note to the parts centre"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def posted_lines(self) -> list[dict[str, str]]:
        if not hasattr(self.data, "getlist"):
            return []
        rows = zip(
            self.data.getlist("part_code"),
            self.data.getlist("part_name"),
            self.data.getlist("quantity"),
            strict=False,
        )
        return [
            {"part_code": c, "part_name": n, "quantity": q}
            for c, n, q in rows
            if c.strip() or n.strip() or q.strip()
        ]

    def clean(self) -> dict:
        data = super().clean()
        data["lines"] = self.posted_lines()
        return data


class PartsReceivedForm(DealerActionForm):
    note = forms.CharField(label=_("Note"), required=False)


class RepairForm(DealerActionForm):
    """The dealer's repair record; shown with what is recorded already."""

    repair_order_number = forms.CharField(label=_("Repair order number"), max_length=40)
    service_advisor = forms.CharField(label=_("Service advisor"), max_length=60, required=False)
    repair_team = forms.CharField(label=_("Repair team"), max_length=60, required=False)
    labour_description = forms.CharField(
        label=_("Labour description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, work_order: WorkOrder | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if work_order is not None and not self.is_bound:
            self.initial = {name: getattr(work_order, name) for name in self.fields}


class ArrivalForm(DealerActionForm):
    """Roadside rescue: when the rescue will be at the car, as promised to the owner."""

    arrival_promised_at = MomentFormField(
        label=_("Arrival promised for"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Within 24 hours."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


CHOOSE = [("", _("Choose…"))]


class ResolveForm(DealerActionForm):
    """The result and the conclusion (the service checks the rules between the fields)."""

    result_summary = forms.CharField(label=_("Result summary"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_acceptance = forms.ChoiceField(label=_("The owner's acceptance"), choices=Acceptance.choices)
    validity = forms.ChoiceField(label=_("Is the complaint valid?"), choices=[*CHOOSE, *Validity.choices])
    invalid_reason = forms.CharField(
        label=_("Why not (fully) valid"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when partly or not valid; e.g. misuse, as explained to the owner"),
    )
    responsibility = forms.ChoiceField(label=_("Responsibility"), choices=[*CHOOSE, *Responsibility.choices])
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=CHOOSE)
    remedy_types = forms.MultipleChoiceField(
        label=_("Remedy"), choices=RemedyType.choices, widget=forms.CheckboxSelectMultiple
    )
    remedy_amount = forms.DecimalField(
        label=_("Remedy amount (CNY)"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        decimal_places=2,
        help_text=_("Required for a refund or compensation"),
    )
    apologised_by = forms.ChoiceField(
        label=_("Who apologised"),
        required=False,
        choices=[("", "—"), *Apologiser.choices],
        help_text=_("Required when the remedy includes an apology"),
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What will be done so it does not happen again (required unless not valid)"),
    )
    corrective_owner = forms.CharField(
        label=_("Corrective action owner"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"data-required-with": "corrective_action"}),
    )
    corrective_due = forms.DateField(
        label=_("Corrective action due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "data-required-with": "corrective_action"}),
    )
    person_at_fault = forms.CharField(
        label=_("Person at fault"),
        required=False,
        max_length=120,
        help_text=_("Only your dealership sees this; the manufacturer never does"),
    )

    def __init__(self, *args, root_causes: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["root_cause"].choices = [*CHOOSE, *(root_causes or [])]


class ExtensionForm(DealerActionForm):
    clock_kind = forms.ChoiceField(label=_("Window"), choices=ClockKind.choices)
    minutes = forms.IntegerField(label=_("Extra time (minutes)"), min_value=1, max_value=60 * 24 * 30)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, windows: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, windows=windows, **kwargs)
        if windows is not None:
            # Only the windows still running can be given more time.
            self.fields["clock_kind"].choices = [
                (kind, label)
                for kind, label in ClockKind.choices
                if kind in windows and kind in DEALER_EXTENDABLE
            ]


class UpgradeForm(DealerActionForm):
    reason = forms.CharField(
        label=_("Why this is a major complaint"), widget=forms.Textarea(attrs={"rows": 2})
    )


class SeniorConfirmForm(DealerActionForm):
    """The senior manager confirms the answer recorded on their behalf (nothing to fill in)."""


class TransferForm(DealerActionForm):
    reason = forms.CharField(
        label=_("Why another dealer should handle it"), widget=forms.Textarea(attrs={"rows": 2})
    )


class TechSupportForm(DealerActionForm):
    diss_reference = forms.CharField(label=_("DISS case number"), max_length=40)
    question = forms.CharField(
        label=_("Question to technical support"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


YES_NO = [("", _("Choose…")), ("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class DealerCallbackForm(DealerActionForm):
    """The dealer's callback to the owner after resolution (回访)."""

    at = MomentFormField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now"),
    )
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices)
    outcome = forms.ChoiceField(
        label=_("How the call went"), choices=[("", _("Choose…")), *CallbackOutcome.choices]
    )
    score = forms.IntegerField(
        label=_("Overall satisfaction (1–10)"), required=False, min_value=1, max_value=10
    )
    solved = forms.TypedChoiceField(
        label=_("Fault fully fixed?"), required=False, choices=YES_NO, coerce=_yes_no, empty_value=None
    )
    reminder_given = forms.BooleanField(label=_("Next-service reminder given"), required=False)
    next_attempt_at = MomentFormField(
        label=_("Next attempt at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("“Call later” and “not the owner”: the time agreed (within 14 days)"),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, questionnaire: Questionnaire | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        questionnaire_fields_add(self, questionnaire)

    def clean(self) -> dict:
        cleaned = super().clean()
        cleaned["answers"] = answers_of(cleaned)
        return cleaned


class WithdrawForm(DealerActionForm):
    reason = forms.CharField(label=_("What is still to be done"), widget=forms.Textarea(attrs={"rows": 2}))
