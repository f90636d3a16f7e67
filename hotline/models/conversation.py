"""The conversation on a work order between the hotline and the dealer it is routed to.

One thread per work order, shared by both sides (unlike the hotline's notes and the
dealer's internal notes, which each side keeps to itself). Each message keeps who wrote
it as they were known then (the person or API key, and on the dealer's side the dealer's
name), the people it mentions, and each reader's place in the thread: what they have
read up to.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .work_order import WorkOrder

# The longest message; the forms, the API and the service say the same.
MESSAGE_MAX_LENGTH = 2000


class Side(models.TextChoices):
    """Which side of the conversation a person writes from."""

    HOTLINE = "hotline", _("Customer-service centre")
    DEALER = "dealer", _("Dealer")


class Message(models.Model):
    """One message of a work order's conversation."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="messages")
    # The dealer the work order was routed to when it was written: a dealer reads its own
    # conversation only, never the one the hotline had with a dealer before it.
    dealer_id = models.BigIntegerField(null=True, blank=True)
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)
    author_id = models.BigIntegerField()  # 0: written by a system with an API key
    author_tenant_id = models.BigIntegerField()
    author_name = models.CharField(_("author"), max_length=150)
    dealer_name = models.CharField(_("dealer"), max_length=200, blank=True, default="")
    at = models.DateTimeField(_("written at"))
    text = models.TextField(_("message"))

    class Meta:
        ordering = ["work_order", "id"]
        indexes = [models.Index(fields=["work_order", "dealer_id", "id"])]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.text[:30]}"


class MessageMention(models.Model):
    """A person a message mentions (hotline staff, or staff of the dealer), as named then."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    tenant_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    name = models.CharField(max_length=150)

    class Meta:
        ordering = ["message", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "tenant_id", "user_id"], name="one_mention_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} @{self.name}"


class MessageRead(models.Model):
    """How far one person (of the hotline or of a dealer) has read a work order's conversation."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="message_reads")
    tenant_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    last_read_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "tenant_id", "user_id"], name="one_read_mark_per_reader"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.tenant_id}/{self.user_id} ≤ {self.last_read_id}"
