"""Text messages to owners: the manufacturer's templates and the log of every message."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnerSmsKind(models.TextChoices):
    RECEIVED = "received", _("Work order received")
    PARTS_ARRIVED = "parts_arrived", _("Parts arrived")
    SCORE_REQUEST = "score_request", _("Please reply with a score")
    PARTS_BACK_ORDERED = "parts_back_ordered", _("Parts back-ordered, with the expected date")


class OwnerSmsTemplate(models.Model):
    """The manufacturer's wording of one message (Simplified Chinese); defaults apply until set."""

    kind = models.CharField(_("message"), max_length=20, choices=OwnerSmsKind.choices, unique=True)
    body = models.TextField(_("text"))
    provider_template_code = models.CharField(_("provider template code"), max_length=40, blank=True)

    def __str__(self) -> str:
        return self.kind


class OwnerSms(models.Model):
    """One message to an owner and what became of it."""

    work_order = models.ForeignKey("hotline.WorkOrder", on_delete=models.PROTECT, related_name="owner_sms")
    event_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=OwnerSmsKind.choices)
    mobile = models.CharField(max_length=20)
    text = models.TextField()
    status = models.CharField(max_length=10, default="pending")  # pending, sent, failed
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When its task was last put on the queue (a sweep re-queues one that got lost).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=60, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event_id", "kind"], name="one_owner_sms_per_event")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="owner_sms_due", condition=models.Q(status="pending")
            )
        ]

    def __str__(self) -> str:
        return f"{self.mobile} {self.kind} {self.status}"


class OwnerSmsReply(models.Model):
    """One reply an owner texted back, as the provider pushed it; each push is kept once.

    ``(provider, reply_id)`` is the provider's own identity of the reply (Alibaba
    Cloud's ``sequence_id``; for Tencent Cloud, which sends none, a digest of
    number, time and text), so a push the provider repeats changes nothing.
    """

    provider = models.CharField(max_length=10)
    reply_id = models.CharField(max_length=64)
    mobile = models.CharField(max_length=20)
    text = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)  # when the owner sent it
    received_at = models.DateTimeField(auto_now_add=True)
    # The work order whose callback the reply recorded, with its score; empty when it
    # answers nothing we asked (left for a person to read).
    work_order = models.ForeignKey(
        "hotline.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="owner_sms_replies"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reply_id"], name="one_owner_sms_reply_per_provider_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.mobile} {self.reply_id}"
