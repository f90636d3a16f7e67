"""What a dealer can do to a work order routed to it, declared once.

Each action names the service it runs on the manufacturer's master record (in
the hotline's schema), what it writes in the dealer's own schema, the portal's
form and the API's input; who may do it is its cell ``dealer.<name>`` of the
declared matrix (``tenants/permissions.py``). The gateway runs them
(``DealerGateway.act``), the portal builds its forms and the API its endpoints
from this table; the form's and the serializer's cleaned data are the action's
arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from hotline.services import callbacks, handling, major, techsupport
from parts_tickets.services import parts_received_confirm, parts_request_raise
from tenants.models import Manufacturer, NetworkMembership
from tenants.permissions import roles_allowed

from . import services as own
from .api import serializers as api
from .views import forms


@dataclass(frozen=True)
class DealerAction:
    name: str  # the portal's action (its URL and form) and the API's operation
    api_path: str  # under /api/v1/work-orders/<manufacturer>/<number>/
    service: Callable[..., Any] | None  # on the master record, in the hotline's schema
    own: Callable[..., Any] | None  # on the dealer's own rows, in its schema
    form: type[forms.DealerActionForm]
    serializer: type[Any]
    done: Promise  # the portal's message
    summary: str  # the API's
    prepare: Callable[[Manufacturer, dict[str, Any]], dict[str, Any]] | None = None
    # Arguments that stay in the dealer's schema: only ``own`` receives them, never the service.
    own_only: frozenset[str] = frozenset()

    @property
    def permission(self) -> str:
        """The action's cell in the declared matrix (``tenants/permissions.py``)."""
        return f"dealer.{self.name}"

    @property
    def roles(self) -> frozenset[str]:
        return roles_allowed(self.permission)

    def arguments(self, manufacturer: Manufacturer, data: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(data)
        return self.prepare(manufacturer, values) if self.prepare is not None else values


def _suggested_dealer(manufacturer: Manufacturer, values: dict[str, Any]) -> dict[str, Any]:
    """A suggested dealer is named by its code in the manufacturer's network."""
    code = (values.pop("suggested_dealer", "") or "").strip()
    if code:
        place = NetworkMembership.objects.filter(manufacturer=manufacturer, dealer_code=code).first()
        if place is None:
            message = _("No dealer with the code %(code)s in this network.") % {"code": code}
            raise ValidationError({"suggested_dealer": [message]})
        values["suggested_dealer_id"] = place.dealer_id
    return values


DEALER_ACTIONS: dict[str, DealerAction] = {
    action.name: action
    for action in (
        DealerAction(
            "contact",
            "contacts",
            handling.work_order_record_contact,
            own.contact_attempt_add,
            forms.ContactForm,
            api.ContactIn,
            _lazy("Contact recorded."),
            "Record a contact attempt with the owner (the first that reaches them is the first contact)",
        ),
        DealerAction(
            "assign",
            "assignment",
            None,
            own.assignment_set,
            forms.AssignForm,
            api.AssignIn,
            _lazy("Assigned."),
            "Assign the work order to a member of this dealer",
        ),
        DealerAction(
            "hand_off",
            "department",
            handling.work_order_hand_off,
            own.department_hand_off,
            forms.HandOffForm,
            api.HandOffIn,
            _lazy("Handed to the department."),
            "Hand the complaint to the responsible department's head (stops the hand-off window)",
        ),
        DealerAction(
            "department_answer",
            "department-answer",
            handling.work_order_department_answer,
            own.department_answer,
            forms.DepartmentAnswerForm,
            api.DepartmentAnswerIn,
            _lazy("The department's answer is recorded."),
            "Record the department's answer to customer relations (stops the department's window)",
        ),
        DealerAction(
            "progress",
            "progress-reports",
            handling.work_order_progress_report,
            None,
            forms.ProgressReportForm,
            api.ProgressReportIn,
            _lazy("Progress reported to the customer-service centre."),
            "Report progress to the customer-service centre (the hotline sees it; notes stay internal)",
        ),
        DealerAction(
            "note",
            "notes",
            None,
            own.note_add,
            forms.NoteForm,
            api.NoteIn,
            _lazy("Note added."),
            "Add an internal note (seen only by this dealer)",
        ),
        DealerAction(
            "stock",
            "stock-check",
            handling.work_order_record_stock_check,
            None,
            forms.StockCheckForm,
            api.StockCheckIn,
            _lazy("Stock check recorded."),
            "Parts work orders: record where the parts come from",
        ),
        DealerAction(
            "parts",
            "parts-requests",
            parts_request_raise,
            None,
            forms.PartsRequestForm,
            api.PartsRequestIn,
            _lazy("Parts-support request sent to the parts centre."),
            "Ask the region's parts centre for the missing parts",
        ),
        DealerAction(
            "received",
            "parts-received",
            parts_received_confirm,
            None,
            forms.PartsReceivedForm,
            api.NoteOnlyIn,
            _lazy("Parts receipt confirmed."),
            "Confirm the shipped parts were received",
        ),
        DealerAction(
            "repair",
            "repair-order",
            handling.work_order_record_repair,
            None,
            forms.RepairForm,
            api.RepairIn,
            _lazy("Repair record saved."),
            "Record the repair order: its number, the service advisor, the repair team and the labour",
        ),
        DealerAction(
            "arrival",
            "arrival-promise",
            handling.work_order_record_arrival_promised,
            None,
            forms.ArrivalForm,
            api.ArrivalIn,
            _lazy("Arrival time recorded."),
            "Roadside rescue: record when the rescue will be at the car, as promised to the owner",
        ),
        DealerAction(
            "resolve",
            "resolve",
            handling.work_order_resolve,
            own.person_at_fault_set,
            forms.ResolveForm,
            api.ResolveIn,
            _lazy("Reported resolved; the hotline will call the owner back."),
            "Report the work order resolved, with the result, the owner's acceptance and the conclusion",
            own_only=frozenset({"person_at_fault"}),
        ),
        DealerAction(
            "callback",
            "callbacks",
            callbacks.dealer_callback_record,
            None,
            forms.DealerCallbackForm,
            api.DealerCallbackIn,
            _lazy("Callback recorded."),
            "Record the dealer's callback to the owner after resolution (outcome, score, fault fixed)",
        ),
        DealerAction(
            "withdraw",
            "withdraw-resolution",
            callbacks.resolution_withdraw,
            None,
            forms.WithdrawForm,
            api.WithdrawIn,
            _lazy("Resolution withdrawn; the work order is back in processing."),
            "Withdraw the resolution after a callback in which the owner says the fault is not fixed",
        ),
        DealerAction(
            "tech_support",
            "tech-support-requests",
            techsupport.tech_support_request,
            None,
            forms.TechSupportForm,
            api.TechSupportIn,
            _lazy("Sent to the manufacturer's technical support; the hotline will answer."),
            "Ask the manufacturer's technical support (the DISS case and the question)",
        ),
        DealerAction(
            "extension",
            "extension-requests",
            handling.extension_request,
            None,
            forms.ExtensionForm,
            api.ExtensionIn,
            _lazy("Extension requested; a hotline supervisor decides."),
            "Ask the hotline for more time on a window",
        ),
        DealerAction(
            "transfer",
            "transfer-requests",
            handling.transfer_request,
            None,
            forms.TransferForm,
            api.TransferIn,
            _lazy("Transfer requested; a hotline supervisor decides."),
            "Ask the hotline to give the work order to another dealer",
            prepare=_suggested_dealer,
        ),
        DealerAction(
            "upgrade",
            "upgrade-requests",
            major.upgrade_request,
            None,
            forms.UpgradeForm,
            api.UpgradeIn,
            _lazy("Asked to make it a major complaint; a hotline supervisor decides."),
            "Ask the hotline to treat the work order as a major complaint (重大投诉)",
        ),
        DealerAction(
            "senior_confirm",
            "senior-answer-confirmation",
            major.senior_answer_confirm,
            None,
            forms.SeniorConfirmForm,
            api.SeniorConfirmIn,
            _lazy("Your answer is confirmed; the major-complaint window has stopped."),
            "Senior management: confirm the answer recorded on your behalf (stops the senior-answer window)",
        ),
    )
}
