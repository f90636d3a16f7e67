"""The dealer's forms for the actions on a work order routed to it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from config.bounds import MomentFormField
from hotline.models import (
    Acceptance,
    CallbackOutcome,
    ClockKind,
    ContactMethod,
    Questionnaire,
    Severity,
    State,
    StockCheck,
    WorkOrder,
)
from hotline.questionnaire_form import answers_of, questionnaire_fields_add


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
    windows (what more time can be asked for).
    """

    def __init__(
        self,
        *args,
        staff: list[tuple[str, str]] | None = None,
        windows: list[str] | None = None,
        questionnaire: Questionnaire | None = None,
        work_order: WorkOrder | None = None,
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


class AssignForm(DealerActionForm):
    assignee_id = forms.TypedChoiceField(label=_("Assign to"), coerce=int)

    def __init__(self, *args, staff: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, staff=staff, **kwargs)
        self.fields["assignee_id"].choices = [("", "—"), *(staff or [])]


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


class ResolveForm(DealerActionForm):
    result_summary = forms.CharField(label=_("Result summary"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_acceptance = forms.ChoiceField(label=_("The owner's acceptance"), choices=Acceptance.choices)


class ExtensionForm(DealerActionForm):
    clock_kind = forms.ChoiceField(label=_("Window"), choices=ClockKind.choices)
    minutes = forms.IntegerField(label=_("Extra time (minutes)"), min_value=1, max_value=60 * 24 * 30)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, windows: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, windows=windows, **kwargs)
        if windows is not None:
            # Only the windows still running can be given more time.
            self.fields["clock_kind"].choices = [
                (kind, label) for kind, label in ClockKind.choices if kind in windows
            ]


class TransferForm(DealerActionForm):
    reason = forms.CharField(
        label=_("Why another dealer should handle it"), widget=forms.Textarea(attrs={"rows": 2})
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
