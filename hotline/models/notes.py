"""What the hotline keeps to itself about a work order: its notes, and the owner's calls about it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .calls import Call
from .work_order import WorkOrder

# The longest note or call summary; the forms, the API and the service say the same.
NOTE_MAX_LENGTH = 2000


class HotlineNote(models.Model):
    """A note of the customer-service centre on a work order: never shown to the dealer."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="hotline_notes")
    author_id = models.BigIntegerField()
    at = models.DateTimeField(_("written at"))
    text = models.TextField(_("note"))

    class Meta:
        ordering = ["work_order", "at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.text[:30]}"


class OwnerCallTopic(models.TextChoices):
    """Why the owner called the hotline about a work order already recorded."""

    CHASING = "chasing", _("Asks about progress")
    INFORMATION = "information", _("Gives more information")
    DEALER = "dealer", _("Unhappy with the dealer")
    WITHDRAW = "withdraw", _("Wants to withdraw the complaint")
    OTHER = "other", _("Other")


class OwnerCallLog(models.Model):
    """A call from the owner about this work order, logged by the agent who took it."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="owner_calls")
    agent_id = models.BigIntegerField()
    at = models.DateTimeField(_("called at"))
    topic = models.CharField(_("topic"), max_length=16, choices=OwnerCallTopic.choices)
    summary = models.TextField(_("what the owner said"))
    # The telephony system's record of the call, when the agent took it through the pop-up.
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="logs", verbose_name=_("call")
    )

    class Meta:
        ordering = ["work_order", "at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id}:{self.topic}"
