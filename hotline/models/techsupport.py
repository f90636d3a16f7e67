"""A dealer's question to the manufacturer's technical support, under one work order."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import TechSupportState
from .work_order import WorkOrder

DISS_REFERENCE_MAX = 40
QUESTION_MAX = 2000


class TechSupportRequest(models.Model):
    """The dealer asks the manufacturer's technical support (the DISS case it opened, and its
    question); the hotline answers it or closes it. One open request per work order at a time:
    its ``tech_support`` clock is the hotline's."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="tech_support_requests")
    number = models.CharField(max_length=32, unique=True)
    dealer_id = models.BigIntegerField()
    diss_reference = models.CharField(_("DISS reference"), max_length=DISS_REFERENCE_MAX)
    question = models.TextField(_("question"))
    state = models.CharField(
        _("state"), max_length=10, choices=TechSupportState.choices, default=TechSupportState.OPEN
    )
    raised_by_id = models.BigIntegerField(null=True, blank=True)
    raised_by_name = models.CharField(max_length=150, blank=True)
    raised_at = models.DateTimeField()
    answer = models.TextField(_("answer"), blank=True)
    answered_by_name = models.CharField(max_length=150, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(_("reason"), blank=True)
    closed_by_name = models.CharField(max_length=150, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"],
                condition=models.Q(state="open"),
                name="one_open_tech_support_per_work_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.state}"
