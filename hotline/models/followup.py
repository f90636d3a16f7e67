"""Callbacks to the owner, and the dealer's requests that a supervisor decides."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import CallbackOutcome, CallbackParty, ClockKind, ContactMethod, DecisionState
from .work_order import WorkOrder


class CallbackAttempt(models.Model):
    """One attempt to call the owner back (回访), reached or not: by the hotline verifying,
    by the dealer's callback specialist, or the owner's own answer by text."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="callbacks")
    at = models.DateTimeField(_("called at"))
    agent_id = models.BigIntegerField()
    party = models.CharField(
        _("by"), max_length=12, choices=CallbackParty.choices, default=CallbackParty.HOTLINE
    )
    # The dealer whose staff called (public tenant id); empty for the hotline and the owner.
    dealer_id = models.BigIntegerField(null=True, blank=True)
    caller_name = models.CharField(_("caller"), max_length=60, blank=True)
    method = models.CharField(
        _("method"), max_length=8, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallbackOutcome.choices)
    score = models.PositiveSmallIntegerField(
        _("score (1–10)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # "Is the fault fully fixed?": a question apart from satisfaction; empty when nobody asked.
    solved = models.BooleanField(_("fault fully fixed"), null=True, blank=True)
    reminder_given = models.BooleanField(_("next-service reminder given"), null=True, blank=True)
    # "Call later" and "not the owner": when to try again (the caller is reminded then).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The questionnaire version a reached callback answered (its answers: ``answers``).
    questionnaire = models.ForeignKey(
        "hotline.Questionnaire", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["work_order", "at", "id"]
        indexes = [models.Index(fields=["work_order", "party", "at"])]

    def __str__(self) -> str:
        return f"{self.work_order_id}:{self.outcome}"


class TransferRequest(models.Model):
    """A dealer asks to hand a work order it should not have to another dealer."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="transfer_requests")
    from_dealer_id = models.BigIntegerField()
    requested_by_id = models.BigIntegerField()
    requested_at = models.DateTimeField()
    reason = models.TextField(_("reason"))
    suggested_dealer_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=DecisionState.choices, default=DecisionState.PENDING)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    to_dealer_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"],
                condition=models.Q(state="pending"),
                name="one_pending_transfer_per_work_order",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.work_order_id} {self.state}"


class ExtensionRequest(models.Model):
    """A dealer asks for more time on one clock; a supervisor grants or refuses it."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="extension_requests")
    clock_kind = models.CharField(_("window"), max_length=20, choices=ClockKind.choices)
    # The very clock asked about: a transfer or reopen starts new ones this request never meant.
    clock = models.ForeignKey(
        "hotline.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="extension_requests"
    )
    minutes = models.PositiveIntegerField(_("extra time (minutes)"), validators=[MinValueValidator(1)])
    reason = models.TextField(_("reason"))
    requested_by_id = models.BigIntegerField()
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=DecisionState.choices, default=DecisionState.PENDING)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    def __str__(self) -> str:
        return f"extension {self.work_order_id} {self.clock_kind} {self.state}"


class UpgradeRequest(models.Model):
    """A dealer asks that a work order be treated as a major complaint (重大投诉); a hotline
    supervisor grants (the severity changes, the senior-answer window starts) or refuses it."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="upgrade_requests")
    dealer_id = models.BigIntegerField()
    reason = models.TextField(_("reason"))
    requested_by_id = models.BigIntegerField()
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=DecisionState.choices, default=DecisionState.PENDING)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"],
                condition=models.Q(state="pending"),
                name="one_pending_upgrade_per_work_order",
            ),
        ]

    def __str__(self) -> str:
        return f"upgrade {self.work_order_id} {self.state}"
