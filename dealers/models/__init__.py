"""What is the dealer's own (dealer schema): who handles a work order, internal notes, contacts.

Work orders live in the manufacturer's hotline schema; rows here point at one
by the manufacturer's id and the work order's id and number, never by a key
across schemas.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.models.choices import ContactMethod, Department


class WorkOrderRef(models.Model):
    manufacturer_id = models.BigIntegerField()
    work_order_id = models.BigIntegerField()
    work_order_number = models.CharField(max_length=24)

    class Meta:
        abstract = True


class Assignment(WorkOrderRef):
    """Who in the dealership handles a work order now (one row per work order)."""

    assignee_id = models.BigIntegerField(_("assigned to"))
    assigned_by_id = models.BigIntegerField()
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer_id", "work_order_id"], name="one_assignment_per_work_order"
            ),
        ]
        indexes = [models.Index(fields=["assignee_id"])]

    def __str__(self) -> str:
        return f"{self.work_order_number} → {self.assignee_id}"


class InternalNote(WorkOrderRef):
    """A note the manufacturer never sees."""

    author_id = models.BigIntegerField()  # 0: written by a system with an API key
    # Who wrote it as they were known then: the person's name, or the API key's (a DMS).
    author_name = models.CharField(_("author"), max_length=150, blank=True, default="", db_default="")
    at = models.DateTimeField()
    text = models.TextField(_("note"))

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["manufacturer_id", "work_order_id"])]

    def __str__(self) -> str:
        return f"{self.work_order_number}: {self.text[:30]}"


class ContactAttempt(WorkOrderRef):
    """One attempt to reach the owner (the first contact is the first one that reached them)."""

    by_id = models.BigIntegerField()
    at = models.DateTimeField(_("when"))
    whom = models.CharField(_("whom"), max_length=60)
    method = models.CharField(_("how"), max_length=8, choices=ContactMethod.choices)
    reached = models.BooleanField(_("reached"))
    note = models.TextField(_("what was said or agreed"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["manufacturer_id", "work_order_id"])]

    def __str__(self) -> str:
        return f"{self.work_order_number} {self.at:%Y-%m-%d %H:%M}"


class DepartmentHandoff(WorkOrderRef):
    """The complaint handed to a department's head inside the dealership, and the department's
    answer to customer relations (the manufacturer sees only that these happened)."""

    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    head_id = models.BigIntegerField(_("department head"))
    handed_by_id = models.BigIntegerField()
    handed_at = models.DateTimeField()
    result = models.TextField(_("the department's result"), blank=True)
    result_by_id = models.BigIntegerField(null=True, blank=True)
    result_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["handed_at", "id"]
        indexes = [models.Index(fields=["manufacturer_id", "work_order_id"])]

    def __str__(self) -> str:
        return f"{self.work_order_number} → {self.department}"


class DailyDigest(models.Model):
    """One person's e-mail of the complaints that reached the dealer the day before: made once per
    person and local day (the sweep that makes it can run any number of times), sent once."""

    user_id = models.BigIntegerField()
    day = models.DateField()  # the local day it is sent on; it covers the day before
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "day"], name="one_digest_per_person_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class PersonAtFault(WorkOrderRef):
    """Who at the dealer was at fault, from the dealer's conclusion (the manufacturer never sees it).

    One row per work order, set again by each resolution; none when the dealer named nobody.
    """

    name = models.CharField(_("person at fault"), max_length=120)
    recorded_by_id = models.BigIntegerField()
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer_id", "work_order_id"], name="one_person_at_fault_per_work_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_number}: {self.name}"
