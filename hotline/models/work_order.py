"""The work order (工单): the manufacturer's master record, its part lines and its event log."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import (
    Acceptance,
    Category,
    Channel,
    Severity,
    State,
    StockCheck,
    WorkOrderType,
)
from .owner import Owner, Vehicle

MAX_PART_LINES = 6


class DailySequence(models.Model):
    """The last serial used on a day, for numbers such as HQ20261122-00042."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class WorkOrder(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=WorkOrderType.choices)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.DISPATCHED, db_index=True
    )
    owner = models.ForeignKey(
        Owner, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("owner")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        related_name="work_orders",
        null=True,
        blank=True,
        verbose_name=_("vehicle"),
    )
    complaint = models.TextField(_("complaint"))
    owner_demand = models.TextField(_("owner's demand"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    # Who complained when it is not the owner (a relative, the driver, a company's fleet manager).
    complainant_name = models.CharField(_("complainant"), max_length=60, blank=True)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=20, blank=True)
    complainant_relation = models.CharField(_("relation to the owner"), max_length=30, blank=True)
    preferred_contact_time = models.CharField(_("preferred contact time"), max_length=60, blank=True)
    incident_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    sales_contract_number = models.CharField(_("sales contract number"), max_length=40, blank=True)
    sales_consultant = models.CharField(_("sales consultant"), max_length=60, blank=True)
    # Roadside rescue (道路救援): where the car stands, as the owner tells it at intake. Coordinates
    # are GCJ-02, as Chinese maps (AMap, Tencent, Baidu's converted) give them.
    location_province = models.CharField(_("province where the car stands"), max_length=30, blank=True)
    location_city = models.CharField(_("city where the car stands"), max_length=30, blank=True)
    location_district = models.CharField(_("district where the car stands"), max_length=30, blank=True)
    location_address = models.CharField(_("where the car stands"), max_length=200, blank=True)
    location_latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    drivable = models.BooleanField(_("can be driven"), null=True, blank=True)
    # The rescuing dealer's promise: when its truck or technician will be at the car.
    arrival_promised_at = models.DateTimeField(_("arrival promised for"), null=True, blank=True)
    # The dealer's repair record (维修工单): the repair order, who received the car, who worked on it.
    repair_order_number = models.CharField(_("repair order number"), max_length=40, blank=True)
    service_advisor = models.CharField(_("service advisor"), max_length=60, blank=True)
    repair_team = models.CharField(_("repair team"), max_length=60, blank=True)
    labour_description = models.TextField(_("labour description"), blank=True)
    # Routing: the dealer tenant and its place in this manufacturer's network (public schema ids).
    dealer_id = models.BigIntegerField(_("dealer"), db_index=True)
    network_membership_id = models.BigIntegerField()
    dealer_code = models.CharField(_("dealer code"), max_length=32)
    dealer_name = models.CharField(_("dealer name"), max_length=120)
    region_id = models.BigIntegerField(db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched at"))
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    stock_check = models.CharField(_("stock check"), max_length=20, choices=StockCheck.choices, blank=True)
    needs_parts_centre = models.BooleanField(_("needs parts-centre support"), default=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    result_summary = models.TextField(_("result summary"), blank=True)
    owner_acceptance = models.CharField(
        _("owner's acceptance"), max_length=16, choices=Acceptance.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closure_reason = models.TextField(_("closure reason"), blank=True)
    # Closed by the callback policy's timeout on the owner's texted score alone: nobody
    # confirmed the fault is fixed ("closed — not verified", counted apart).
    closed_unverified = models.BooleanField(_("closed — not verified"), default=False, db_default=False)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    created_by_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every change, for optimistic concurrency.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["dealer_id", "state"]),
            models.Index(fields=["-received_at"]),
            # Search by any part of the number (pg_trgm, hotline/migrations/0010).
            GinIndex(fields=["number"], opclasses=["gin_trgm_ops"], name="work_order_number_trgm"),
        ]

    def __str__(self) -> str:
        return self.number


class PartFields(models.Model):
    """A numbered line asking for a part: on a work order, and on a parts-support request."""

    line_no = models.PositiveSmallIntegerField()
    part_code = models.CharField(_("part code"), max_length=40)
    part_name = models.CharField(_("part name"), max_length=120)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.part_code} × {self.quantity}"


class PartLine(PartFields):
    """One missing part of a parts-shortage work order (at most six)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="part_lines")

    class Meta:
        ordering = ["work_order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "line_no"], name="part_line_no_unique"),
            models.UniqueConstraint(fields=["work_order", "part_code"], name="part_line_code_unique"),
            models.CheckConstraint(
                condition=models.Q(line_no__gte=1, line_no__lte=MAX_PART_LINES), name="part_line_at_most_six"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="part_line_quantity_positive"),
        ]


class WorkOrderEvent(models.Model):
    """One change of a work order: append-only (the database refuses updates and deletes).

    The audit trail and the outbox: the relay publishes committed events in id order.
    """

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40)
    at = models.DateTimeField(db_index=True)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=60, blank=True)
    actor_tenant_id = models.BigIntegerField(null=True, blank=True)
    # The dealer the work order was routed to when this happened: who may ever receive it.
    dealer_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["work_order", "id"])]

    def __str__(self) -> str:
        return f"{self.work_order_id}:{self.kind}"
