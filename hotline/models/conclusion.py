"""How a complaint ended (the handbook's 原因分析 / 改进措施): the dealer's conclusion, the hotline's review.

One conclusion per work order, written when the dealer reports it resolved (again on each
resolution: the event log keeps the earlier ones) and read by both portals, the API and the
KPIs. The person at fault is the dealer's own and never stored here (``dealers.models``).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scripts import in_reader_language
from .work_order import WorkOrder


class Validity(models.TextChoices):
    VALID = "valid", _("Valid")
    PARTLY_VALID = "partly_valid", _("Partly valid")
    NOT_VALID = "not_valid", _("Not valid")


# A complaint that does not fully hold needs the reason (e.g. misuse, explained tactfully).
REASON_NEEDED = frozenset({Validity.PARTLY_VALID, Validity.NOT_VALID})


class Responsibility(models.TextChoices):
    DEALER_SERVICE = "dealer_service", _("Dealer service")
    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    PARTS_SUPPLY = "parts_supply", _("Parts supply")
    PRODUCT_QUALITY = "product_quality", _("Product quality")
    MANUFACTURER_POLICY = "manufacturer_policy", _("Manufacturer policy")
    CUSTOMER = "customer", _("Customer")
    THIRD_PARTY = "third_party", _("Third party")


class RemedyType(models.TextChoices):
    APOLOGY = "apology", _("Apology")
    EXPLANATION = "explanation", _("Explanation to the owner")
    FREE_REPAIR = "free_repair", _("Free repair")
    WAIVED_LABOUR = "waived_labour", _("Labour charge waived or reduced")
    REFUND = "refund", _("Refund")
    COMPENSATION = "compensation", _("Compensation")
    GOODWILL_PARTS = "goodwill_parts", _("Goodwill parts")
    GIFT = "gift", _("Gift")


# Remedies that cost money: they need the amount.
PAID_REMEDIES = frozenset({RemedyType.REFUND, RemedyType.COMPENSATION})


class Apologiser(models.TextChoices):
    """Who apologised to the owner, as the handbook's cases name them."""

    STAFF_CONCERNED = "staff_concerned", _("The person concerned")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    CRM_MANAGER = "crm_manager", _("Customer-relations manager")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    SERVICE_DIRECTOR = "service_director", _("Service director")
    GENERAL_MANAGER = "general_manager", _("General manager")


class RootCause(models.Model):
    """One root cause in the manufacturer's list (administrators edit it; a used one is retired,
    never deleted)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("root cause")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_reader_language(self.name_zh, self.name_en)


class Conclusion(models.Model):
    work_order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="conclusion")
    validity = models.CharField(_("validity"), max_length=16, choices=Validity.choices)
    invalid_reason = models.TextField(_("why not (fully) valid"), blank=True)
    responsibility = models.CharField(_("responsibility"), max_length=24, choices=Responsibility.choices)
    root_cause = models.ForeignKey(
        RootCause, on_delete=models.PROTECT, related_name="conclusions", verbose_name=_("root cause")
    )
    remedy_types = ArrayField(models.CharField(max_length=20, choices=RemedyType.choices), default=list)
    remedy_amount = models.DecimalField(_("remedy amount (CNY)"), max_digits=12, decimal_places=2, default=0)
    apologised_by = models.CharField(
        _("apologised by"), max_length=20, choices=Apologiser.choices, blank=True
    )
    corrective_action = models.TextField(_("corrective action"), blank=True)
    corrective_owner = models.CharField(_("corrective action owner"), max_length=120, blank=True)
    corrective_due = models.DateField(_("corrective action due"), null=True, blank=True)
    concluded_at = models.DateTimeField()
    concluded_by_id = models.BigIntegerField(null=True, blank=True)
    # 客服部复核意见: the hotline's review at closure.
    review_opinion = models.TextField(_("review opinion"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by_id = models.BigIntegerField(null=True, blank=True)
    reviewed_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("conclusion")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remedy_amount__gte=0), name="conclusion_remedy_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.validity}"

    def remedy_labels(self) -> list[str]:
        return [str(RemedyType(t).label) for t in self.remedy_types if t in RemedyType.values]
