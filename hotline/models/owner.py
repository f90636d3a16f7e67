"""Car owners and their vehicles, as the manufacturer's customer-service centre knows them.

Records of the hotline tenant: found again by mobile number, plate or VIN when
the owner calls a second time.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..vin import validate_mobile, validate_plate, validate_postcode, validate_vin


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Not stated")


class VehicleUse(models.TextChoices):
    PRIVATE = "private", _("Private")
    COMMERCIAL = "commercial", _("Commercial")


class Owner(models.Model):
    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile], db_index=True)
    landline = models.CharField(_("landline"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    province = models.CharField(_("province"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, validators=[validate_postcode])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        # Search by any part of the mobile number or the name (pg_trgm, hotline/migrations/0010).
        indexes = [
            GinIndex(fields=["mobile"], opclasses=["gin_trgm_ops"], name="owner_mobile_trgm"),
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="owner_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.mobile}"


class Vehicle(models.Model):
    owner = models.ForeignKey(
        Owner, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("owner")
    )
    vin = models.CharField(_("VIN"), max_length=17, unique=True, validators=[validate_vin])
    plate = models.CharField(
        _("licence plate"), max_length=10, blank=True, db_index=True, validators=[validate_plate]
    )
    model = models.CharField(_("model"), max_length=60)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(
        _("mileage (km)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(2_000_000)],
    )
    use = models.CharField(
        _("vehicle use"), max_length=12, choices=VehicleUse.choices, default=VehicleUse.PRIVATE
    )
    # Dealers are tenants in the public schema; referenced by id, not by a cross-schema key.
    selling_dealer_id = models.BigIntegerField(_("selling dealer"), null=True, blank=True)
    servicing_dealer_id = models.BigIntegerField(_("servicing dealer"), null=True, blank=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        # Search by any part of the plate or the VIN (pg_trgm, hotline/migrations/0010).
        indexes = [
            GinIndex(fields=["plate"], opclasses=["gin_trgm_ops"], name="vehicle_plate_trgm"),
            GinIndex(fields=["vin"], opclasses=["gin_trgm_ops"], name="vehicle_vin_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.plate or self.vin}"
