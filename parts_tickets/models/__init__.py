"""Parts-support requests to a regional parts centre (hotline schema)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.models import WorkOrder
from hotline.models.work_order import PartFields


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received by the dealer")
    REJECTED = "rejected", _("Rejected")


class LineState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ALLOCATED = "allocated", _("Allocated")
    BACK_ORDERED = "back_ordered", _("Back-ordered")
    SHIPPED = "shipped", _("Shipped")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received")


class PartsRequest(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="parts_requests")
    number = models.CharField(_("number"), max_length=30, unique=True)
    parts_centre_id = models.BigIntegerField(db_index=True)
    region_id = models.BigIntegerField()
    dealer_id = models.BigIntegerField()
    state = models.CharField(
        max_length=16, choices=RequestState.choices, default=RequestState.SUBMITTED, db_index=True
    )
    raised_by_id = models.BigIntegerField()
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.number


class PartsRequestLine(PartFields):
    request = models.ForeignKey(PartsRequest, on_delete=models.CASCADE, related_name="lines")
    state = models.CharField(max_length=16, choices=LineState.choices, default=LineState.PENDING)
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    reject_reason = models.TextField(_("reason"), blank=True)
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    shipped_quantity = models.PositiveIntegerField(default=0)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["request", "line_no"], name="parts_req_line_unique"),
            models.UniqueConstraint(fields=["request", "part_code"], name="parts_req_code_unique"),
            models.CheckConstraint(
                condition=models.Q(line_no__gte=1, line_no__lte=6), name="parts_req_at_most_six"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="parts_req_quantity_positive"),
        ]
