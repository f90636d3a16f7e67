"""Every kind of event a work order's log holds, named once.

The catalogue gives each kind its name (``EventKind``), the fields its data
carries, its label on the timelines, the title people are told, and its
audience: who is notified. Services append events by these names (and
``event_build`` refuses a field a kind does not declare); the relay, the
notifications, the timelines and the API read labels, titles and audiences
from here. ``tests/hotline/test_events.py`` fails when a kind lacks any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from notifications.rules import (
    DEALER_CALLBACK_DUTY,
    DEALER_CRM,
    DEALER_ON_DUTY,
    DEALER_PARTS,
    HOTLINE_SUPERVISORS,
    MAJOR_COMPLAINT_DEALER,
    NOBODY,
    Audience,
)

from .models.choices import DEALER_INTERNAL_KINDS


class EventKind(StrEnum):
    CREATED = "work_order.created"
    DISPATCHED = "work_order.dispatched"
    FIRST_CONTACT = "work_order.first_contact"
    CONTACT_ATTEMPT = "work_order.contact_attempt"
    STOCK_CHECKED = "work_order.stock_checked"
    PARTS_RECEIVED = "work_order.parts_received"
    PARTS_UNAVAILABLE = "work_order.parts_unavailable"
    RESOLVED = "work_order.resolved"
    REVIEWED = "work_order.reviewed"
    CLOSED = "work_order.closed"
    REOPENED = "work_order.reopened"
    REPEATED = "work_order.repeated"
    CANCELLED = "work_order.cancelled"
    TRANSFERRED = "work_order.transferred"
    # Never in the log: what the dealer a work order was transferred away from receives instead.
    TRANSFERRED_AWAY = "work_order.transferred_away"
    CLOCK_STARTED = "clock.started"
    CLOCK_STOPPED = "clock.stopped"
    CLOCK_PAUSED = "clock.paused"
    CLOCK_RESUMED = "clock.resumed"
    CLOCK_WARNING = "clock.warning"
    CLOCK_BREACHED = "clock.breached"
    CLOCK_ESCALATED = "clock.escalated"
    CLOCK_EXTENDED = "clock.extended"
    CLOCK_RECALCULATED = "clock.recalculated"
    PARTS_REQUESTED = "parts.requested"
    PARTS_ACKNOWLEDGED = "parts.acknowledged"
    PARTS_LINE_ALLOCATED = "parts.line_allocated"
    PARTS_LINE_BACK_ORDERED = "parts.line_back_ordered"
    PARTS_LINE_SHIPPED = "parts.line_shipped"
    PARTS_LINE_REJECTED = "parts.line_rejected"
    PARTS_DELIVERED = "parts.delivered"
    TRANSFER_REQUESTED = "transfer.requested"
    TRANSFER_REFUSED = "transfer.refused"
    EXTENSION_REQUESTED = "extension.requested"
    EXTENSION_DECIDED = "extension.decided"
    CALLBACK_RECORDED = "callback.recorded"
    OWNER_CALLED = "owner.called"
    DEALER_CALLBACK_RECORDED = "callback.dealer_recorded"
    CALLBACK_SCHEDULED = "callback.scheduled"
    RESOLUTION_WITHDRAWN = "work_order.resolution_withdrawn"
    HANDED_OFF = "work_order.handed_off"
    DEPARTMENT_ANSWERED = "work_order.department_answered"
    PROGRESS_REPORTED = "work_order.progress_reported"
    REPAIR_RECORDED = "work_order.repair_recorded"
    ARRIVAL_PROMISED = "rescue.arrival_promised"
    # Addressed to the owner's usual dealer when another dealer is sent to rescue the car.
    SERVICING_DEALER_INFORMED = "rescue.servicing_dealer_informed"
    NUMBER_TO_VERIFY = "owner.number_to_verify"
    NUMBER_VERIFIED = "owner.number_verified"
    RECLASSIFIED = "work_order.reclassified"
    UPGRADE_REQUESTED = "upgrade.requested"
    UPGRADE_REFUSED = "upgrade.refused"
    SENIOR_ANSWER_CONFIRMED = "work_order.senior_answer_confirmed"
    TECH_SUPPORT_REQUESTED = "tech_support.requested"
    TECH_SUPPORT_ANSWERED = "tech_support.answered"
    TECH_SUPPORT_CLOSED = "tech_support.closed"
    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_REMOVED = "attachment.removed"
    MESSAGE_POSTED = "conversation.message_posted"


AudienceRule = Audience | Callable[[dict[str, Any]], Audience]


@dataclass(frozen=True)
class EventSpec:
    label: Promise  # on the timelines
    title: Promise  # what people are told; ``%(number)s`` is the work order's number
    audience: AudienceRule
    fields: frozenset[str]  # the keys its data may carry
    email: bool = False  # e-mailed too, unless the person says otherwise
    always: bool = False  # in the app and by e-mail, whatever the person chose (escalations)

    def audience_for(self, data: dict[str, Any]) -> Audience:
        return self.audience(data) if callable(self.audience) else self.audience

    def always_for(self, data: dict[str, Any]) -> bool:
        """Escalations, and news of a major complaint (``major`` in its data), reach people in the
        app and by e-mail whatever they chose."""
        return self.always or bool(data.get("major"))


def _fields(*names: str) -> frozenset[str]:
    return frozenset(names)


STATE_CHANGE = ("state_before", "state_after")
CLOCK = ("clock", "clock_kind")
FIRED = (*CLOCK, "due_at", "notify_at")
PARTS_LINE = ("request", "request_state", "line", "part_code")
# A contact with the owner; ``on_behalf_of``: the senior manager (user id) whose answer it records,
# who confirms it before it counts for the senior-answer window.
CONTACT = ("whom", "method", "reached", "agreed", "solution_offered", "on_behalf_of", "on_behalf_of_name")


def _clock_warning(data: dict[str, Any]) -> Audience:
    """The callback window is the hotline's own: its agent; the dealer's callback window: its
    customer-relations manager and callback specialists; the senior-answer window of a major
    complaint: those a major complaint is told to; any other window: the dealer on duty."""
    if data.get("clock_kind") == "senior_answer":
        return MAJOR_NEWS
    if data.get("clock_kind") == "callback":
        return Audience(recorder=True)
    if data.get("clock_kind") == "dealer_callback":
        return Audience(dealer_roles=DEALER_CALLBACK_DUTY)
    if data.get("clock_kind") in DEALER_INTERNAL_KINDS:
        return Audience(dealer_roles=DEALER_CRM)
    if data.get("clock_kind") == "owner_update":  # call the owner waiting for parts
        return Audience(dealer_roles=DEALER_CRM, assignee=True)
    if data.get("clock_kind") == "tech_support":  # the hotline's own window
        return SUPERVISORS
    return Audience(dealer_roles=DEALER_ON_DUTY)


def _clock_breached(data: dict[str, Any]) -> Audience:
    if data.get("clock_kind") == "callback":
        return Audience(recorder=True)
    audience = Audience.escalation(data.get("escalate_to") or ())
    if data.get("clock_kind") == "owner_update":
        return replace(audience, assignee=True)
    return audience


def _clock_escalated(data: dict[str, Any]) -> Audience:
    if data.get("clock_kind") == "callback":
        return Audience(hotline_roles=HOTLINE_SUPERVISORS)
    return Audience.escalation(data.get("escalate_to") or ())


def _senior_to_confirm(data: dict[str, Any]) -> Audience:
    """A contact recorded on a senior manager's behalf is news for that senior manager alone
    (they are asked to confirm it); other contact attempts tell nobody."""
    if data.get("on_behalf_of"):
        return Audience(dealer_users=frozenset({int(data["on_behalf_of"])}))
    return NOBODY


def _mentioned(data: dict[str, Any]) -> Audience:
    """A message in the conversation is news for the people it mentions, on either side."""
    return Audience(
        hotline_users=frozenset(int(u) for u in data.get("mentioned_hotline") or ()),
        dealer_users=frozenset(int(u) for u in data.get("mentioned_dealer") or ()),
    )


def _dealer_callback(data: dict[str, Any]) -> Audience:
    """A dealer's callback that finds the fault not fixed is news for the hotline's agent."""
    return Audience(recorder=True) if data.get("solved") is False else NOBODY


K = EventKind
DEALER_NEWS = Audience(dealer_roles=DEALER_ON_DUTY)
# A major complaint is news at once for the dealer's senior management and service manager and
# for the hotline's supervisors, besides whoever the event tells anyway.
MAJOR_NEWS = Audience(dealer_roles=MAJOR_COMPLAINT_DEALER, hotline_roles=HOTLINE_SUPERVISORS)


def _major_too(base: Audience) -> Callable[[dict[str, Any]], Audience]:
    """``base``, and when the event is about a major complaint (``major`` in its data) also
    ``MAJOR_NEWS``."""

    def audience(data: dict[str, Any]) -> Audience:
        return base | MAJOR_NEWS if data.get("major") else base

    return audience


MAJOR_AWARE_DEALER_NEWS = _major_too(DEALER_NEWS)
PARTS_NEWS = Audience(dealer_roles=DEALER_PARTS)
RECORDER = Audience(recorder=True)
SUPERVISORS = Audience(hotline_roles=HOTLINE_SUPERVISORS)
PARTS_UPDATE = _("Parts update for %(number)s")

CATALOGUE: dict[EventKind, EventSpec] = {
    K.CREATED: EventSpec(
        _("Work order recorded"),
        _("Work order %(number)s recorded"),
        NOBODY,
        _fields("number", "type", "severity", "category", "part_lines", "repeat_of"),
    ),
    K.DISPATCHED: EventSpec(
        _("Sent to the dealer"),
        _("New work order %(number)s"),
        MAJOR_AWARE_DEALER_NEWS,
        _fields("dealer_id", "dealer_code", "dealer_name", "routing", "major"),
        email=True,
    ),
    K.FIRST_CONTACT: EventSpec(
        _("First contact with the owner"),
        _("Dealer contacted the owner of %(number)s"),
        lambda data: RECORDER | _senior_to_confirm(data),
        _fields(*STATE_CHANGE, *CONTACT),
    ),
    K.CONTACT_ATTEMPT: EventSpec(
        _("Contact attempt"),
        _("Contact attempt for %(number)s"),
        _senior_to_confirm,
        _fields(*CONTACT),
    ),
    K.STOCK_CHECKED: EventSpec(
        _("Stock checked"),
        _("Stock checked for %(number)s"),
        NOBODY,
        _fields("result", "needs_parts_centre", "note"),
    ),
    K.HANDED_OFF: EventSpec(
        _("Handed to a department"),
        _("%(number)s handed to a department"),
        NOBODY,
        _fields("department"),
    ),
    K.DEPARTMENT_ANSWERED: EventSpec(
        _("Department answered"),
        _("The department answered on %(number)s"),
        NOBODY,
        _fields("department"),
    ),
    K.PROGRESS_REPORTED: EventSpec(
        _("Progress report from the dealer"),
        _("Progress report from the dealer on %(number)s"),
        RECORDER,
        _fields("text"),
        email=True,
    ),
    K.REPAIR_RECORDED: EventSpec(
        _("Repair record"),
        _("Repair record of %(number)s"),
        NOBODY,
        _fields("repair_order_number", "service_advisor", "repair_team", "labour_description"),
    ),
    K.ARRIVAL_PROMISED: EventSpec(
        _("Rescue arrival time promised"),
        _("%(number)s: the rescuing dealer promised an arrival time"),
        RECORDER,
        _fields("arrival_promised_at", "note"),
    ),
    K.SERVICING_DEALER_INFORMED: EventSpec(
        _("Servicing dealer informed of the rescue"),
        _("Your customer's car is being rescued by another dealer (%(number)s)"),
        DEALER_NEWS,
        _fields("rescuing_dealer_code", "rescuing_dealer_name", "city", "district"),
        email=True,
    ),
    K.PARTS_RECEIVED: EventSpec(
        _("Parts received"),
        _("Parts received for %(number)s"),
        NOBODY,
        _fields(*STATE_CHANGE, "note"),
    ),
    K.PARTS_UNAVAILABLE: EventSpec(
        _("Parts unavailable"),
        _("No part of %(number)s can be supplied"),
        DEALER_NEWS,
        _fields(*STATE_CHANGE, "request"),
    ),
    K.RESOLVED: EventSpec(
        _("Reported resolved"),
        _("Dealer resolved %(number)s; call the owner back"),
        RECORDER,
        _fields(*STATE_CHANGE, "result_summary", "owner_acceptance", "conclusion"),
    ),
    # The hotline's review opinion (客服部复核意见) on a closed work order's conclusion.
    K.REVIEWED: EventSpec(
        _("Review opinion recorded"),
        _("The hotline reviewed the conclusion of %(number)s"),
        DEALER_NEWS,
        _fields("opinion"),
    ),
    K.CLOSED: EventSpec(
        _("Closed"),
        _("Work order %(number)s closed"),
        NOBODY,
        _fields(*STATE_CHANGE, "verified_by", "score", "reason"),
    ),
    K.REOPENED: EventSpec(
        _("Reopened"),
        _("Work order %(number)s reopened"),
        MAJOR_AWARE_DEALER_NEWS,
        _fields(*STATE_CHANGE, "reason", "reopen_count", "major"),
    ),
    K.REPEATED: EventSpec(
        _("The owner complained again"),
        _("The owner of %(number)s complained again"),
        NOBODY,
        _fields("by"),
    ),
    K.CANCELLED: EventSpec(
        _("Cancelled"),
        _("Work order %(number)s cancelled"),
        NOBODY,
        _fields(*STATE_CHANGE, "reason"),
    ),
    K.TRANSFERRED: EventSpec(
        _("Transferred to another dealer"),
        _("Work order %(number)s transferred to you"),
        MAJOR_AWARE_DEALER_NEWS,
        _fields(
            "major",
            *STATE_CHANGE,
            "request",
            "reason",
            "from_dealer_id",
            "from_dealer_code",
            "dealer_id",
            "dealer_code",
            "dealer_name",
        ),
        email=True,
    ),
    K.TRANSFERRED_AWAY: EventSpec(
        _("Transferred away"),
        _("Work order %(number)s went to another dealer"),
        NOBODY,
        _fields(),
    ),
    K.CLOCK_STARTED: EventSpec(
        _("Window started"),
        _("%(number)s: a window started"),
        NOBODY,
        _fields(*CLOCK, "due_at", "policy_version", "calendar", "minutes"),
    ),
    K.CLOCK_STOPPED: EventSpec(
        _("Window stopped"),
        _("%(number)s: a window stopped"),
        NOBODY,
        _fields(*CLOCK, "due_at", "reason", "met", "overdue_seconds"),
    ),
    K.CLOCK_PAUSED: EventSpec(
        _("Window paused"),
        _("%(number)s: a window paused"),
        NOBODY,
        _fields(*CLOCK, "remaining_seconds"),
    ),
    K.CLOCK_RESUMED: EventSpec(
        _("Window resumed"),
        _("%(number)s: a window resumed"),
        NOBODY,
        _fields(*CLOCK, "due_at"),
    ),
    K.CLOCK_WARNING: EventSpec(
        _("Window about to expire"),
        _("%(number)s: a deadline is near"),
        _clock_warning,
        _fields(*FIRED, "minutes_before"),
    ),
    K.CLOCK_BREACHED: EventSpec(
        _("Window missed"),
        _("%(number)s: a deadline was missed"),
        _clock_breached,
        _fields(*FIRED, "level", "escalate_to"),
        email=True,
        always=True,
    ),
    K.CLOCK_ESCALATED: EventSpec(
        _("Escalated"),
        _("%(number)s: missed deadline escalated"),
        _clock_escalated,
        _fields(*FIRED, "level", "escalate_to"),
        email=True,
        always=True,
    ),
    K.CLOCK_EXTENDED: EventSpec(
        _("Window extended"),
        _("%(number)s: a window was extended"),
        NOBODY,
        _fields(*CLOCK, "due_before", "due_after", "minutes", "reason"),
    ),
    K.CLOCK_RECALCULATED: EventSpec(
        _("Window recalculated"),
        _("%(number)s: a window was recalculated"),
        NOBODY,
        _fields(*CLOCK, "due_before", "due_after", "policy_version"),
    ),
    K.PARTS_REQUESTED: EventSpec(
        _("Parts-support request raised"),
        _("Parts requested for %(number)s"),
        NOBODY,
        _fields(*STATE_CHANGE, "request", "parts_centre_id", "lines"),
    ),
    K.PARTS_ACKNOWLEDGED: EventSpec(
        _("Parts centre acknowledged"), PARTS_UPDATE, PARTS_NEWS, _fields("request")
    ),
    K.PARTS_LINE_ALLOCATED: EventSpec(_("Part allocated"), PARTS_UPDATE, PARTS_NEWS, _fields(*PARTS_LINE)),
    K.PARTS_LINE_BACK_ORDERED: EventSpec(
        _("Part back-ordered"),
        PARTS_UPDATE,
        PARTS_NEWS,
        _fields(*PARTS_LINE, "expected_date", "owner_texted"),
    ),
    K.PARTS_LINE_SHIPPED: EventSpec(
        _("Part shipped"),
        PARTS_UPDATE,
        PARTS_NEWS,
        _fields(*PARTS_LINE, "quantity", "carrier", "tracking_number"),
    ),
    K.PARTS_LINE_REJECTED: EventSpec(
        _("Part refused by the parts centre"), PARTS_UPDATE, PARTS_NEWS, _fields(*PARTS_LINE, "reason")
    ),
    K.PARTS_DELIVERED: EventSpec(
        _("Parts delivered to the dealer"),
        _("Parts delivered for %(number)s"),
        NOBODY,
        _fields("request"),
    ),
    K.TRANSFER_REQUESTED: EventSpec(
        _("Transfer requested"),
        _("Transfer requested for %(number)s"),
        SUPERVISORS,
        _fields("request", "reason", "suggested_dealer_id"),
        email=True,
    ),
    K.TRANSFER_REFUSED: EventSpec(
        _("Transfer refused"),
        _("Transfer of %(number)s refused"),
        NOBODY,
        _fields("request", "reason"),
    ),
    K.EXTENSION_REQUESTED: EventSpec(
        _("Extension requested"),
        _("Extension requested for %(number)s"),
        SUPERVISORS,
        _fields("request", "clock_kind", "minutes", "reason"),
        email=True,
    ),
    K.EXTENSION_DECIDED: EventSpec(
        _("Extension decided"),
        _("Extension for %(number)s decided"),
        NOBODY,
        _fields("request", "granted", "reason"),
    ),
    K.CALLBACK_RECORDED: EventSpec(
        _("Callback"),
        _("Callback to the owner of %(number)s"),
        NOBODY,
        _fields(
            "attempt",
            "party",
            "outcome",
            "score",
            "solved",
            "failed_attempts",
            "sms_requested",
            "next_attempt_at",
            "note",
            "questionnaire",
            "answers",
        ),
    ),
    K.DEALER_CALLBACK_RECORDED: EventSpec(
        _("Dealer's callback"),
        _("The dealer called back the owner of %(number)s"),
        _dealer_callback,
        _fields(
            "attempt",
            "outcome",
            "method",
            "caller",
            "score",
            "solved",
            "reminder_given",
            "next_attempt_at",
            "note",
            "questionnaire",
            "answers",
        ),
    ),
    K.CALLBACK_SCHEDULED: EventSpec(
        _("Next callback attempt agreed"),
        _("Time to call back the owner of %(number)s"),
        Audience(caller=True),
        _fields("attempt", "next_attempt_at", "notify_at"),
    ),
    K.RESOLUTION_WITHDRAWN: EventSpec(
        _("Resolution withdrawn by the dealer"),
        _("The dealer withdrew its resolution of %(number)s"),
        RECORDER,
        _fields(*STATE_CHANGE, "attempt", "reason"),
    ),
    K.NUMBER_TO_VERIFY: EventSpec(
        _("Owner's number to verify"),
        _("The owner's number of %(number)s needs verifying"),
        NOBODY,
        _fields("check", "outcome"),
    ),
    K.NUMBER_VERIFIED: EventSpec(
        _("Owner's number verified"),
        _("The owner's number of %(number)s was verified"),
        NOBODY,
        _fields("check", "result", "note"),
    ),
    # The dealer asks the manufacturer's technical support: the hotline's supervisors see to an
    # answer; the answer and the closing are news for the dealer on duty.
    K.TECH_SUPPORT_REQUESTED: EventSpec(
        _("Technical support requested"),
        _("Technical support requested for %(number)s"),
        SUPERVISORS,
        _fields("request", "diss_reference", "question"),
        email=True,
    ),
    K.TECH_SUPPORT_ANSWERED: EventSpec(
        _("Technical support answered"),
        _("Technical support answered for %(number)s"),
        DEALER_NEWS,
        _fields("request", "answer"),
        email=True,
    ),
    K.TECH_SUPPORT_CLOSED: EventSpec(
        _("Technical support request closed"),
        _("Technical support request closed for %(number)s"),
        DEALER_NEWS,
        _fields("request", "reason"),
    ),
    # The owner called the hotline about the work order: the dealer on duty hears why, not what
    # the agent wrote down (that stays with the hotline).
    K.OWNER_CALLED: EventSpec(
        _("The owner called the hotline"),
        _("The owner of %(number)s called the hotline"),
        DEALER_NEWS,
        _fields("call_log", "topic"),
    ),
    # A message in the conversation between the hotline and the dealer: the people it mentions
    # are told; its text is the conversation's (both sides read it there).
    K.MESSAGE_POSTED: EventSpec(
        _("Message in the conversation"),
        _("You were mentioned in the conversation on %(number)s"),
        _mentioned,
        _fields("message", "side", "dealer_name", "excerpt", "mentioned_hotline", "mentioned_dealer"),
        email=True,
    ),
    K.RECLASSIFIED: EventSpec(
        _("Severity or category changed"),
        _("%(number)s was reclassified"),
        MAJOR_AWARE_DEALER_NEWS,
        _fields(
            "severity_before",
            "severity_after",
            "category_before",
            "category_after",
            "reason",
            "request",
            "major",
        ),
        email=True,
    ),
    K.UPGRADE_REQUESTED: EventSpec(
        _("Asked to make it a major complaint"),
        _("The dealer asks that %(number)s be a major complaint"),
        SUPERVISORS,
        _fields("request", "reason"),
        email=True,
    ),
    K.UPGRADE_REFUSED: EventSpec(
        _("Request for a major complaint refused"),
        _("%(number)s stays a normal complaint"),
        DEALER_NEWS,
        _fields("request", "reason"),
    ),
    K.SENIOR_ANSWER_CONFIRMED: EventSpec(
        _("Senior management confirmed the answer"),
        _("Senior management answered major complaint %(number)s"),
        MAJOR_NEWS,
        _fields("contact_event", "on_behalf_of", "on_behalf_of_name"),
    ),
    # A file attached to the work order, or taken off it: both pages show the files, nobody is told.
    K.ATTACHMENT_ADDED: EventSpec(
        _("File attached"),
        _("A file was attached to %(number)s"),
        NOBODY,
        _fields("attachment", "name", "content_type", "size", "side"),
    ),
    K.ATTACHMENT_REMOVED: EventSpec(
        _("File removed"),
        _("A file was removed from %(number)s"),
        NOBODY,
        _fields("attachment", "name", "content_type", "size", "side"),
    ),
}


# Fields of the manufacturer's log a dealer never receives (where a work order was before).
HIDDEN_FROM_DEALERS = frozenset({"from_dealer_id", "from_dealer_code"})

# Event details worth a line on the timeline, with their labels.
DETAIL_LABELS = {
    "dealer_name": _("Dealer"),
    "whom": _("Whom"),
    "agreed": _("What was agreed"),
    "result": _("Result"),
    "result_summary": _("Result summary"),
    "reason": _("Reason"),
    "kind": _("Window"),
    "outcome": _("Outcome"),
    "score": _("Score"),
    "note": _("Note"),
    "carrier": _("Carrier"),
    "tracking_number": _("Tracking number"),
    "part_code": _("Part code"),
    "minutes": _("Minutes"),
    "clock_kind": _("Window"),
    "by": _("By"),
    "topic": _("Topic"),
    "method": _("How"),
    "caller": _("Caller"),
    "next_attempt_at": _("Next attempt"),
    "department": _("Department"),
    "text": _("Report"),
    "repair_order_number": _("Repair order number"),
    "service_advisor": _("Service advisor"),
    "repair_team": _("Repair team"),
    "on_behalf_of_name": _("On behalf of"),
    "severity_after": _("Severity"),
    "category_after": _("Category"),
    "opinion": _("Review opinion"),
    "diss_reference": _("DISS reference"),
    "question": _("Question"),
    "answer": _("Answer"),
    "expected_date": _("Expected date"),
    "name": _("File"),
}
# Why a window stopped, as the services record it.
STOP_REASONS = {
    "first_contact": _("first contact made"),
    "answered": _("a solution was offered"),
    "resolved": _("reported resolved"),
    "callback": _("callback made"),
    "transferred": _("transferred"),
    "cancel": _("cancelled"),
    "close_without_callback": _("closed without a callback"),
    "reopen": _("reopened"),
    "reopened": _("reopened"),
    "dealer_callback": _("the dealer called the owner back"),
    "withdrawn": _("resolution withdrawn"),
    "handed_off": _("handed to the department"),
    "department_answered": _("the department answered"),
    "downgraded": _("no longer a major complaint"),
    "senior_confirmed": _("senior management confirmed the answer"),
    "parts_not_awaited": _("parts no longer awaited"),
    "owner_contacted": _("the owner was contacted"),
    "tech_support_answered": _("technical support answered"),
    "tech_support_closed": _("technical-support request closed"),
}


def spec_of(kind: str) -> EventSpec | None:
    try:
        return CATALOGUE[EventKind(kind)]
    except ValueError:
        return None


def event_label(kind: str) -> str:
    spec = spec_of(kind)
    return str(spec.label) if spec is not None else kind


def event_title(kind: str, number: str) -> str:
    spec = spec_of(kind)
    return str(spec.title if spec is not None else _("Update on %(number)s")) % {"number": number}


def dealer_view(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as a dealer may see it."""
    return {k: v for k, v in data.items() if k not in HIDDEN_FROM_DEALERS}


def dealer_internal(kind: str, data: dict[str, Any]) -> bool:
    """An event of a window the dealer keeps inside the dealership (the hotline sees only counts)."""
    return kind.startswith("clock.") and data.get("clock_kind") in DEALER_INTERNAL_KINDS


def hotline_view(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as the hotline's people and systems see it: of the dealer's internal
    windows, only which window it was (no due times, no one escalated to)."""
    if dealer_internal(kind, data):
        return {"clock_kind": data.get("clock_kind")}
    return data


def notifying_kinds() -> list[tuple[str, Promise]]:
    """The kinds of news that tell people (their audience is not nobody), with their labels; and
    the dealer's assignment of a work order to one of its people (told inside the dealership)."""
    from notifications.sentences import ASSIGNED

    kinds: list[tuple[str, Promise]] = [
        (k.value, s.label) for k, s in CATALOGUE.items() if s.audience is not NOBODY
    ]
    return [*kinds, (ASSIGNED, _("Assigned to one of the dealer's people"))]
