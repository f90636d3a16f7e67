"""The callback policy (who verifies, who closes) and the queue of owners' numbers to verify."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import HotlineVerification, NumberCheckState
from .work_order import WorkOrder


class CallbackPolicy(models.Model):
    """One version of the manufacturer's callback policy. Versions are never edited, only added.

    Who verifies a resolved work order by calling the owner back, and who may close it.
    """

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    hotline_verifies = models.CharField(
        _("the hotline verifies"),
        max_length=12,
        choices=HotlineVerification.choices,
        default=HotlineVerification.ALL,
    )
    sample_percent = models.PositiveSmallIntegerField(
        _("sample (%)"), default=100, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Exceptions: a dealer's callback scoring below this is verified by the hotline.
    score_threshold = models.PositiveSmallIntegerField(
        _("verify scores below"), default=8, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    dealer_may_close = models.BooleanField(_("the dealer may close after its own callback"), default=False)
    # An owner's texted score alone leaves the work order resolved; after this many days
    # without a person reaching the owner it closes as "closed — not verified".
    unverified_close_days = models.PositiveSmallIntegerField(
        _("close texted-only results as not verified after (days)"),
        default=7,
        db_default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    # How long after closure the dealer may still record a callback.
    dealer_callback_days_after_closure = models.PositiveSmallIntegerField(
        _("dealer callbacks after closure (days)"), default=7, validators=[MaxValueValidator(90)]
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"callback policy v{self.version}"


class NumberCheck(models.Model):
    """An owner's mobile that a callback found empty or wrong: no text goes there, and an
    agent corrects the number (logged) or marks the owner unreachable."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="number_checks")
    attempt = models.ForeignKey("hotline.CallbackAttempt", on_delete=models.PROTECT, related_name="+")
    mobile = models.CharField(_("mobile"), max_length=20)
    raised_at = models.DateTimeField()
    state = models.CharField(
        max_length=12, choices=NumberCheckState.choices, default=NumberCheckState.PENDING
    )
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    new_mobile = models.CharField(_("corrected mobile"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"],
                condition=models.Q(state="pending"),
                name="one_pending_number_check_per_work_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.mobile} {self.state}"
