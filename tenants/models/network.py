"""Manufacturers, their dealer networks, regions and regional parts centres (public schema)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenant import Tenant, TenantType

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
    _("Up to 32 letters, digits, hyphens or underscores, starting with a letter or digit."),
    code="code_format",
)
prefix_validator = RegexValidator(r"^[A-Z]{2,4}$", _("2 to 4 capital letters."), code="prefix_format")


class Manufacturer(models.Model):
    """A brand with one hotline tenant and a network of dealers."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    # Work order numbers read <prefix><yyyymmdd>-<serial>, e.g. GD20261122-00042.
    work_order_prefix = models.CharField(
        _("work order prefix"), max_length=4, unique=True, validators=[prefix_validator]
    )
    # How many new dealer tenants the hotline's administrators may still create themselves
    # (a platform operator raises it); joining an existing dealer is by invitation only.
    dealer_creation_quota = models.PositiveIntegerField(_("new dealers the hotline may create"), default=20)
    hotline = models.OneToOneField(
        Tenant,
        on_delete=models.PROTECT,
        related_name="manufacturer",
        limit_choices_to={"type": TenantType.HOTLINE},
        verbose_name=_("hotline tenant"),
    )

    class Meta:
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PartsCentre(models.Model):
    """A regional parts centre (配件分中心) of one manufacturer."""

    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.CASCADE,
        related_name="parts_centres",
        verbose_name=_("manufacturer"),
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("parts centre")
        verbose_name_plural = _("parts centres")
        ordering = ["manufacturer", "code"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "code"], name="parts_centre_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A region of a manufacturer's network, served by exactly one parts centre."""

    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.CASCADE,
        related_name="regions",
        verbose_name=_("manufacturer"),
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("name"), max_length=60)
    parts_centre = models.ForeignKey(
        PartsCentre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regions",
        verbose_name=_("parts centre"),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["manufacturer", "code"]
        constraints = [models.UniqueConstraint(fields=["manufacturer", "code"], name="region_code_unique")]

    def __str__(self) -> str:
        return self.name


class NetworkMembership(models.Model):
    """A dealer tenant's place in one manufacturer's network. A dealer may hold several."""

    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.PROTECT,
        related_name="network",
        verbose_name=_("manufacturer"),
    )
    dealer = models.ForeignKey(
        Tenant,
        on_delete=models.PROTECT,
        related_name="networks",
        limit_choices_to={"type": TenantType.DEALER},
        verbose_name=_("dealer"),
    )
    dealer_code = models.CharField(_("dealer code"), max_length=32, validators=[code_validator])
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="members", verbose_name=_("region")
    )
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    # Roadside rescue: the dealer's district and position (GCJ-02, as Chinese maps give them),
    # whether it runs a 24-hour rescue service for this brand, and the duty phone to call.
    district = models.CharField(_("district"), max_length=30, blank=True, default="", db_default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    offers_rescue = models.BooleanField(_("24-hour roadside rescue"), default=False, db_default=False)
    rescue_duty_phone = models.CharField(
        _("rescue duty phone"), max_length=20, blank=True, default="", db_default=""
    )
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    # The hotline created this dealer tenant itself (counted against its quota).
    created_the_dealer = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        ordering = ["manufacturer", "dealer_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "dealer_code"], name="network_dealer_code_unique"
            ),
            models.UniqueConstraint(fields=["manufacturer", "dealer"], name="network_dealer_unique"),
        ]
        indexes = [models.Index(fields=["manufacturer", "city", "is_active"])]

    def __str__(self) -> str:
        return f"{self.manufacturer.code}/{self.dealer_code}"


class WebhookBacklog(models.Model):
    """Which tenants have webhook deliveries waiting, and when the next one is due.

    Lets the scheduler find the few tenants with work among thousands of schemas.
    """

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="webhook_backlog")
    next_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.tenant_id} @ {self.next_at}"
