"""The dealer's forms for the actions on a work order routed to it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.models import Acceptance, ClockKind, ContactMethod, Severity, State, StockCheck


class InboxFilter(forms.Form):
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("All")), *Severity.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    closed = forms.BooleanField(label=_("Include finished"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Number, owner or plate")}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All")), *State.choices]


class ContactForm(forms.Form):
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now"),
    )
    whom = forms.CharField(label=_("Whom"), max_length=60)
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices)
    reached = forms.ChoiceField(label=_("Reached the owner?"), choices=[("yes", _("Yes")), ("no", _("No"))])
    agreed = forms.CharField(
        label=_("What was said or agreed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    solution_offered = forms.BooleanField(label=_("A solution was offered"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"))

    def __init__(self, *args, staff: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—"), *staff]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}))


class StockCheckForm(forms.Form):
    result = forms.ChoiceField(label=_("Where the parts come from"), choices=StockCheck.choices)
    note = forms.CharField(label=_("Note"), required=False)


class PartsRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the parts centre"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PartsReceivedForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False)


class ResolveForm(forms.Form):
    result_summary = forms.CharField(label=_("Result summary"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_acceptance = forms.ChoiceField(label=_("The owner's acceptance"), choices=Acceptance.choices)


class ExtensionForm(forms.Form):
    clock_kind = forms.ChoiceField(label=_("Window"), choices=ClockKind.choices)
    minutes = forms.IntegerField(label=_("Extra time (minutes)"), min_value=1, max_value=60 * 24 * 30)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    reason = forms.CharField(
        label=_("Why another dealer should handle it"), widget=forms.Textarea(attrs={"rows": 2})
    )
