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


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    REFUSED = "refused", _("Refused")
    BUSY = "busy", _("Busy")
    SWITCHED_OFF = "switched_off", _("Switched off")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class ClockKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")
    ANSWER = "answer", _("Answer to the owner")
    SENIOR_ANSWER = "senior_answer", _("Major complaint answered by senior management")
    COMPLETION = "completion", _("Parts work order completed")
    CALLBACK = "callback", _("Callback after resolution")


class DecisionState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
