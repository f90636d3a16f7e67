"""The domain's vocabulary, as stored values and as labels in both languages."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    PARTS_SHORTAGE = "parts_shortage", _("Parts-shortage complaint")
    RESCUE = "rescue", _("Roadside rescue")
    ENQUIRY = "enquiry", _("Enquiry")


class Category(models.TextChoices):
    SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    PARTS_SHORTAGE = "parts_shortage", _("Parts shortage")
    CHARGES = "charges", _("Charges and pricing")
    WAITING_TIME = "waiting_time", _("Waiting time")
    CAMPAIGN_GIFT = "campaign_gift", _("Promised gifts or campaigns")
    RESCUE = "rescue", _("Roadside rescue")
    PRODUCT_QUALITY = "product_quality", _("Product quality")
    SALES = "sales", _("Sales")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    MAJOR = "major", _("Major complaint")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web or app")


class State(models.TextChoices):
    DISPATCHED = "dispatched", _("Dispatched (awaiting first contact)")
    PROCESSING = "processing", _("Processing")
    AWAITING_PARTS = "awaiting_parts", _("Awaiting parts")
    RESOLVED = "resolved", _("Resolved (awaiting verification)")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = frozenset(
    {State.DISPATCHED, State.PROCESSING, State.AWAITING_PARTS, State.RESOLVED, State.REOPENED}
)


class StockCheck(models.TextChoices):
    OWN_STOCK = "own_stock", _("Available in own stock")
    SIBLING_TRANSFER = "sibling_transfer", _("Available by transfer from a sibling dealer")
    PARTS_CENTRE = "parts_centre", _("Needs the parts centre")


class Acceptance(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTLY = "partly", _("Partly accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("In person")
    WECHAT = "wechat", _("WeChat")
    ONLINE = "online", _("Online")


class CallbackOutcome(models.TextChoices):
    """How a callback went, as the callback manual lists the outcomes."""

    REACHED = "reached", _("Reached")
    REFUSED = "refused", _("Refused")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("No answer")
    UNREACHABLE = "unreachable", _("Cannot be connected")
    SWITCHED_OFF = "switched_off", _("Switched off")
    SUSPENDED = "suspended", _("Number suspended")
    CALLS_BARRED = "calls_barred", _("Incoming calls barred")
    EMPTY_NUMBER = "empty_number", _("Number does not exist")
    NOT_OWNER = "not_owner", _("Not the owner")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALL_LATER = "call_later", _("Call later (time agreed)")


# Outcomes that schedule the next attempt instead of counting as a failure.
RESCHEDULING_OUTCOMES = frozenset({CallbackOutcome.CALL_LATER, CallbackOutcome.NOT_OWNER})
# Outcomes that say the number itself is bad: no text goes there; the number is checked.
BAD_NUMBER_OUTCOMES = frozenset({CallbackOutcome.EMPTY_NUMBER, CallbackOutcome.WRONG_NUMBER})
# What counts towards the failed attempts after which the owner is texted.
FAILED_OUTCOMES = frozenset(CallbackOutcome.values) - {CallbackOutcome.REACHED} - RESCHEDULING_OUTCOMES


class CallbackParty(models.TextChoices):
    """Who made a callback: the hotline verifying, the dealer, or the owner answering by text."""

    HOTLINE = "hotline", _("Hotline")
    DEALER = "dealer", _("Dealer")
    OWNER_SMS = "owner_sms", _("By the owner, by text")
    OWNER_ONLINE = "owner_online", _("By the owner, online")


class NumberCheckState(models.TextChoices):
    PENDING = "pending", _("To verify")
    CORRECTED = "corrected", _("Mobile corrected")
    UNREACHABLE = "unreachable", _("Owner unreachable")


class HotlineVerification(models.TextChoices):
    """Which resolved work orders the hotline calls back itself to verify."""

    ALL = "all", _("Every work order")
    SAMPLE = "sample", _("A random sample")
    EXCEPTIONS = "exceptions", _("Only where the dealer's callback is missing, failed or poor")


class ClockKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")
    ANSWER = "answer", _("Answer to the owner")
    SENIOR_ANSWER = "senior_answer", _("Major complaint answered by senior management")
    COMPLETION = "completion", _("Parts work order completed")
    CALLBACK = "callback", _("Callback after resolution")
    DEALER_CALLBACK = "dealer_callback", _("Dealer's callback after resolution")
    # The dealer's own, inside the dealership: the hotline sees only how many run and were missed.
    INTERNAL_HANDOFF = "internal_handoff", _("Handed to the responsible department's head")
    DEPARTMENT_RESULT = "department_result", _("Department's result to customer relations")
    OWNER_UPDATE = "owner_update", _("Owner kept informed while parts are awaited")
    TECH_SUPPORT = "tech_support", _("Technical support answered")
    ARRIVAL_PROMISED = "arrival_promised", _("Rescue arrival time promised")


# Windows the dealer keeps inside the dealership (its CRM manager is warned; never shown in detail
# to the hotline).
DEALER_INTERNAL_KINDS = frozenset({ClockKind.INTERNAL_HANDOFF, ClockKind.DEPARTMENT_RESULT})
# Windows the hotline itself must meet (its callback to verify, its technical support's answer):
# shown on the dealer's page, but never the dealer's work in its inbox, dashboard or figures.
HOTLINE_OWN_KINDS = frozenset({ClockKind.CALLBACK, ClockKind.TECH_SUPPORT})


class Department(models.TextChoices):
    """The dealer's departments a complaint is handed to (the Toyota manual's 责任部门)."""

    SALES = "sales", _("Sales")
    SERVICE = "service", _("After-sales service")
    PARTS = "parts", _("Parts")
    FINANCE = "finance", _("Finance")
    CUSTOMER_RELATIONS = "customer_relations", _("Customer relations")


class DecisionState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    # Made moot before anyone decided: the work order ended or went to another dealer.
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TechSupportState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
