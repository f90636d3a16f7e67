"""The customer-service centre's forms: what the agent types, checked field by field."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.bounds import MAX_ID, MomentFormField
from tenants.models import NetworkMembership

from ..models import (
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    CallbackOutcome,
    Category,
    Channel,
    Gender,
    OwnerCallTopic,
    Questionnaire,
    Severity,
    State,
    VehicleUse,
    WorkOrderType,
)
from ..questionnaire_form import answers_of, questionnaire_fields_add
from ..selectors import network_active, regions_of
from ..services.clocks import tenant_time_zone
from ..services.work_orders import COMPLAINANT_FIELDS, OWNER_FIELDS

LOCATION_FORM_FIELDS = ("province", "city", "district", "address", "latitude", "longitude", "drivable")


def _blank(choices) -> list:
    return [("", _("All")), *choices]


class BoardFilter(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Number, mobile, plate, VIN or name")}),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    dealer = forms.ChoiceField(label=_("Dealer"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_blank(Category.choices))
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=_blank(Severity.choices))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    repeat = forms.BooleanField(label=_("Repeat only"), required=False)
    due_within = forms.TypedChoiceField(
        label=_("Due within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any time")), ("120", _("2 hours")), ("1440", _("1 day"))],
    )
    received = forms.ChoiceField(
        label=_("Received"),
        required=False,
        choices=[("", _("Any day")), ("today", _("Today")), ("yesterday", _("Yesterday"))],
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mine = forms.BooleanField(label=_("Recorded by me"), required=False)
    callbacks_today = forms.BooleanField(label=_("Callback due today"), required=False)
    verify = forms.BooleanField(label=_("Number to verify"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, network: list[NetworkMembership], regions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Open")), ("all", _("All")), *State.choices]
        self.fields["dealer"].choices = _blank(
            [(str(m.dealer_id), f"{m.dealer_code} {m.dealer.name}") for m in network]
        )
        self.fields["region"].choices = _blank([(str(r.pk), r.name) for r in regions])


def day_bounds(day: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``today`` or ``yesterday`` in the tenant's time zone, as [start, end)."""
    zone = zoneinfo.ZoneInfo(tenant_time_zone())
    today = dt.datetime.combine(timezone.now().astimezone(zone).date(), dt.time(), zone)
    if day == "today":
        return today, None
    if day == "yesterday":
        return today - dt.timedelta(days=1), today
    return None, None


def board_filters_of(
    data: Mapping[str, Any] | None, *, manufacturer_id: int, user_id: int | None
) -> tuple[BoardFilter, dict[str, Any]]:
    """The board's filter form from its fields' values (the address, or a saved export's), and the
    selector's arguments it gives; "recorded by me" is ``user_id``'s."""
    form = BoardFilter(data, network=network_active(manufacturer_id), regions=regions_of(manufacturer_id))
    values = dict(form.cleaned_data) if form.is_valid() else {}
    since, until = day_bounds(values.pop("received", "") or "")
    zone = zoneinfo.ZoneInfo(tenant_time_zone())
    first, last = values.pop("received_from", None), values.pop("received_to", None)
    if first:
        since = max(filter(None, [since, dt.datetime.combine(first, dt.time(), zone)]))
    if last:
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
        until = min(filter(None, [until, end]))
    values.pop("sort", None)
    if values.pop("mine", False):
        values["created_by"] = user_id
    if values.pop("callbacks_today", False):
        today, _end = day_bounds("today")
        values["callback_by"] = today + dt.timedelta(days=1)
    return form, {**values, "received_since": since, "received_until": until}


class IntakeForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    type = forms.ChoiceField(label=_("Type"), choices=WorkOrderType.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    complaint = forms.CharField(label=_("Complaint"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_demand = forms.CharField(
        label=_("What the owner demands"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_name = forms.CharField(label=_("Owner's name"), max_length=60)
    owner_gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    owner_mobile = forms.CharField(label=_("Mobile"), max_length=11)
    owner_landline = forms.CharField(label=_("Landline"), max_length=20, required=False)
    owner_email = forms.CharField(label=_("E-mail"), required=False)
    owner_province = forms.CharField(label=_("Province"), max_length=30, required=False)
    owner_city = forms.CharField(label=_("City"), max_length=30, required=False)
    owner_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    owner_postcode = forms.CharField(label=_("Postcode"), max_length=6, required=False)
    complainant_name = forms.CharField(
        label=_("Complainant, when not the owner"), max_length=60, required=False
    )
    complainant_phone = forms.CharField(
        label=_("Complainant's phone"),
        max_length=20,
        required=False,
        help_text=_("Required with a complainant: a mobile or a landline with its area code."),
    )
    complainant_relation = forms.CharField(
        label=_("Relation to the owner"), max_length=30, required=False, help_text=_("e.g. 家属, 司机")
    )
    preferred_contact_time = forms.CharField(
        label=_("Preferred contact time"),
        max_length=60,
        required=False,
        help_text=_("e.g. 工作日 9:00–12:00"),
    )
    incident_at = MomentFormField(
        label=_("When it happened"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    sales_contract_number = forms.CharField(label=_("Sales contract number"), max_length=40, required=False)
    sales_consultant = forms.CharField(label=_("Sales consultant"), max_length=60, required=False)
    vehicle_vin = forms.CharField(label=_("VIN"), max_length=17, required=False)
    vehicle_plate = forms.CharField(label=_("Licence plate"), max_length=10, required=False)
    vehicle_model = forms.CharField(
        label=_("Model"),
        max_length=60,
        required=False,
        help_text=_("Required when a VIN is given."),
        widget=forms.TextInput(attrs={"data-required-with": "vehicle_vin"}),
    )
    vehicle_purchase_date = forms.CharField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    vehicle_mileage_km = forms.CharField(label=_("Mileage (km)"), required=False)
    vehicle_use = forms.ChoiceField(label=_("Vehicle use"), choices=VehicleUse.choices, required=False)
    # Roadside rescue: where the car stands (the service requires them for rescue, refuses them else).
    location_province = forms.CharField(label=_("Province"), max_length=30, required=False)
    location_city = forms.CharField(label=_("City"), max_length=30, required=False)
    location_district = forms.CharField(label=_("District or county"), max_length=30, required=False)
    location_address = forms.CharField(
        label=_("Road, landmark or address"),
        max_length=200,
        required=False,
        help_text=_("e.g. G4 京港澳高速 K1234"),
    )
    location_latitude = forms.CharField(
        label=_("Latitude"),
        max_length=20,
        required=False,
        help_text=_("Optional, GCJ-02 as Chinese maps give it"),
    )
    location_longitude = forms.CharField(
        label=_("Longitude"),
        max_length=20,
        required=False,
        help_text=_("Optional, GCJ-02 as Chinese maps give it"),
    )
    location_drivable = forms.ChoiceField(
        label=_("Can the car be driven?"),
        required=False,
        choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
    )
    dealer = forms.ChoiceField(label=_("Dealer"), required=False)

    def __init__(self, *args, network: list[NetworkMembership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dealer"].choices = [
            ("", _("The suggested dealer")),
            *[(m.dealer_code, f"{m.dealer_code} {m.dealer.name} · {m.city}") for m in network],
        ]

    def intake_values(self, part_lines: list[dict], *, raw: bool = False) -> dict:
        """The valid form as ``intake_from`` takes it (the API's shape); ``raw``: what was typed,
        valid or not, to find every error of the service at once."""
        data = self.cleaned_data if not raw else {name: (self.data.get(name) or "") for name in self.fields}
        owner = OWNER_FIELDS
        vehicle = ("vin", "plate", "model", "purchase_date", "mileage_km", "use")
        record = ("preferred_contact_time", "sales_contract_number", "sales_consultant")
        return {
            **{name: data[name] for name in ("type", "category", "severity", "channel", "complaint")},
            "owner_demand": data["owner_demand"],
            "owner": {name: data[f"owner_{name}"] for name in owner},
            "vehicle": {name: data[f"vehicle_{name}"] for name in vehicle},
            "part_lines": part_lines,
            "dealer": data["dealer"],
            "complainant": {name: data[f"complainant_{name}"] for name in COMPLAINANT_FIELDS},
            # What was typed is not yet a time: the form's own field says what is wrong with it.
            "incident_at": data["incident_at"] if not raw else None,
            **{name: data[name] for name in record},
            "location": {name: data[f"location_{name}"] for name in LOCATION_FORM_FIELDS},
        }

    # Service error keys ("owner.mobile", "vehicle.vin", ...) to this form's fields.
    ALIASES = {
        **{f"owner.{n}": f"owner_{n}" for n in OWNER_FIELDS},
        **{f"complainant.{n}": f"complainant_{n}" for n in COMPLAINANT_FIELDS},
        **{
            f"vehicle.{n}": f"vehicle_{n}"
            for n in ("vin", "plate", "model", "purchase_date", "mileage_km", "use")
        },
        "vehicle": "vehicle_vin",
        **{f"location.{n}": f"location_{n}" for n in LOCATION_FORM_FIELDS},
        "location": "location_province",
        "part_lines": None,
    }


class CallbackForm(forms.Form):
    outcome = forms.ChoiceField(label=_("How the call went"), choices=CallbackOutcome.choices)
    score = forms.IntegerField(label=_("Score (1–10)"), required=False, min_value=1, max_value=10)
    solved = forms.ChoiceField(
        label=_("Fault fully fixed?"),
        required=False,
        choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
    )
    next_attempt_at = MomentFormField(
        label=_("Next attempt at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("“Call later” and “not the owner”: the time agreed (within 14 days)"),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, questionnaire: Questionnaire | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questionnaire_fields_add(self, questionnaire)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["answers"] = answers_of(cleaned)
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    """The customer-service department's review of the dealer's conclusion (客服部复核意见)."""

    opinion = forms.CharField(
        label=_("Review opinion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferDecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    # Nothing preselected: the supervisor decides.
    approve = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("Choose…")), ("yes", _("Approve")), ("no", _("Refuse"))]
    )
    to_dealer = forms.ChoiceField(label=_("New dealer"), required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, network: list[NetworkMembership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_dealer"].choices = [
            ("", "—"),
            *[(str(m.dealer_id), f"{m.dealer_code} {m.dealer.name}") for m in network],
        ]


class ExtensionDecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    grant = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("Choose…")), ("yes", _("Grant")), ("no", _("Refuse"))]
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReclassifyForm(forms.Form):
    """A supervisor's change of severity and category (重大投诉 or not), with the reason."""

    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class UpgradeDecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    grant = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose…")), ("yes", _("Make it a major complaint")), ("no", _("Refuse"))],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class TechSupportAnswerForm(forms.Form):
    """The hotline answers a technical-support request, or closes it with the reason."""

    request = forms.CharField(widget=forms.HiddenInput, max_length=32)
    answer = forms.CharField(
        label=_("Answer"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    close = forms.BooleanField(label=_("Close without an answer (give the reason below)"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class ReassignForm(forms.Form):
    to_dealer = forms.ChoiceField(label=_("New dealer"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, network: list[NetworkMembership], current: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        others = [m for m in network if m.dealer_id != current]
        self.fields["to_dealer"].choices = [
            ("", "—"),
            *[(str(m.dealer_id), f"{m.dealer_code} {m.dealer.name}") for m in others],
        ]


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _FilesField(forms.FileField):
    """Several files from one input; the service checks each by its content."""

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(_FilesField, self).clean(f, initial) for f in files if f]


# What the file choosers offer (the service decides by the content, whatever the name).
ATTACHMENT_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,.pdf,.doc,.docx,.xls,.xlsx,.pptx"


class MessageForm(forms.Form):
    """A message in the conversation on a work order, on either portal; ``people``: who may be
    mentioned (``hotline.selectors.conversation_people``)."""

    text = forms.CharField(
        label=pgettext_lazy("conversation", "Message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Both the customer-service centre and the dealer read it."),
    )
    mentions = forms.TypedMultipleChoiceField(
        label=_("Mention"),
        required=False,
        coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("The people you mention are told. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    file = _FilesField(
        label=_("Files"),
        required=False,
        allow_empty_file=True,  # "empty" is the service's to say, naming the file
        widget=_MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
        help_text=_(
            "Photos, PDFs or office documents sent with the message; they join the work order's files."
        ),
    )

    def __init__(self, *args, people: Iterable[Any] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for p in people:
            groups.setdefault(p.org, []).append((p.user_id, p.name))
        self.fields["mentions"].choices = list(groups.items())


class HotlineNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Hotline note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only the hotline sees it; the dealer never does."),
    )


class OwnerCallForm(forms.Form):
    at = MomentFormField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now"),
    )
    topic = forms.ChoiceField(
        label=_("Why the owner called"), choices=[("", _("Choose…")), *OwnerCallTopic.choices]
    )
    summary = forms.CharField(
        label=_("What the owner said"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The dealer is told that the owner called and why, not what you write here."),
    )


class AttachmentForm(forms.Form):
    """Files for a work order (both portals): photos, PDFs, office documents."""

    file = _FilesField(
        label=_("Files"),
        required=False,  # "choose a file" is the service's to say, with the other rules
        allow_empty_file=True,  # so is "empty", naming the file
        widget=_MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
        help_text=_("Photos (JPEG, PNG, WebP), PDFs, Word, Excel and PowerPoint documents; several at once."),
    )


class AttachmentRemoveForm(forms.Form):
    attachment = forms.IntegerField(min_value=1, max_value=MAX_ID)
