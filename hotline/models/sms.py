"""Text messages to owners: the manufacturer's templates and the log of every message."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnerSmsKind(models.TextChoices):
    RECEIVED = "received", _("Work order received")
    PARTS_ARRIVED = "parts_arrived", _("Parts arrived")
    SCORE_REQUEST = "score_request", _("Please reply with a score")


class OwnerSmsTemplate(models.Model):
    """The manufacturer's wording of one message (Simplified Chinese); defaults apply until set."""

    kind = models.CharField(_("message"), max_length=20, choices=OwnerSmsKind.choices,
                            unique=True)
    body = models.TextField(_("text"))
    provider_template_code = models.CharField(_("provider template code"), max_length=40,
                                              blank=True)

    def __str__(self) -> str:
        return self.kind


class OwnerSms(models.Model):
    """One message to an owner and what became of it."""

    work_order = models.ForeignKey("hotline.WorkOrder", on_delete=models.PROTECT,
                                   related_name="owner_sms")
    event_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=OwnerSmsKind.choices)
    mobile = models.CharField(max_length=20)
    text = models.TextField()
    status = models.CharField(max_length=10, default="pending")  # pending, sent, failed
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=60, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event_id", "kind"],
                                               name="one_owner_sms_per_event")]
        indexes = [models.Index(fields=["next_attempt_at"], name="owner_sms_due",
                                condition=models.Q(status="pending"))]

    def __str__(self) -> str:
        return f"{self.mobile} {self.kind} {self.status}"
