"""Consent across tenants: people join a tenant, and dealers join a network, by invitation only.

An invitation carries a secret of 256 bits, shown (or e-mailed) once; only its
SHA-256 digest is stored. It is accepted once, before it expires, by the one
it is meant for: a person sets up or proves their account on the tenant's own
host; a dealer's administrator (or a platform operator) accepts a network's
invitation for that dealer. Nothing about other tenants or accounts is ever
shown to the side that invites.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .identity import Role, User, centre_iff_centre_role
from .network import Manufacturer, PartsCentre, Region
from .tenant import Tenant


class Invitation(models.Model):
    """A person is invited to work for a tenant, in one role."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    # A parts-centre role is offered for one centre of the hotline's manufacturer.
    parts_centre = models.ForeignKey(
        PartsCentre,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parts centre"),
    )
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=centre_iff_centre_role(), name="invitation_centre_iff_centre_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.tenant_id} ({self.role})"


class NetworkInvitation(models.Model):
    """A manufacturer invites a dealer into its network; the dealer's side accepts it, or not."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.CASCADE, related_name="invitations")
    dealer_code = models.CharField(_("dealer code"), max_length=32)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    note = models.CharField(_("note"), max_length=200, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    dealer = models.ForeignKey(Tenant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.manufacturer_id}/{self.dealer_code}"
