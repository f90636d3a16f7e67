"""Global identities and their per-tenant membership and role (public schema).

One login serves a person who works for several tenants (several stores of a
dealer group); what they may do is decided per tenant by ``Membership.role``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .network import PartsCentre
from .tenant import Tenant, TenantType


class User(AbstractUser):
    """A person. Names are kept whole (Chinese names are not split into first/last)."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    preferred_language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username


class Role(models.TextChoices):
    # Manufacturer's customer-service centre (hotline tenant)
    HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
    HOTLINE_SUPERVISOR = "hotline_supervisor", _("Hotline supervisor")
    HOTLINE_ADMIN = "hotline_admin", _("Hotline administrator")
    # Dealer
    DEALER_CRM_MANAGER = "dealer_crm_manager", _("Customer-relations manager")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    PARTS_CLERK = "parts_clerk", _("Parts clerk")
    GENERAL_MANAGER = "general_manager", _("General manager")
    SERVICE_DIRECTOR = "service_director", _("Service director")
    CALLBACK_SPECIALIST = "callback_specialist", _("Callback specialist")
    RECEPTIONIST = "receptionist", _("Receptionist")
    # A regional parts centre's staff: on its manufacturer's hotline host, its own requests only
    PARTS_CENTRE_STAFF = "parts_centre_staff", _("Parts-centre staff")
    # Public host
    PLATFORM_OPERATOR = "platform_operator", _("Platform operator")


ROLES_BY_TENANT_TYPE: dict[str, frozenset[str]] = {
    TenantType.HOTLINE: frozenset(
        {Role.HOTLINE_AGENT, Role.HOTLINE_SUPERVISOR, Role.HOTLINE_ADMIN, Role.PARTS_CENTRE_STAFF}
    ),
    TenantType.DEALER: frozenset(
        {
            Role.DEALER_CRM_MANAGER,
            Role.SERVICE_ADVISOR,
            Role.SERVICE_MANAGER,
            Role.PARTS_CLERK,
            Role.GENERAL_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.CALLBACK_SPECIALIST,
            Role.RECEPTIONIST,
        }
    ),
    TenantType.PUBLIC: frozenset({Role.PLATFORM_OPERATOR}),
}


# Roles held for one parts centre of the tenant's manufacturer: the membership names the centre.
CENTRE_ROLES = frozenset({Role.PARTS_CENTRE_STAFF})


def centre_iff_centre_role(prefix: str = "") -> models.Q:
    """A row names a parts centre exactly when its role is held for one (``CENTRE_ROLES``)."""
    roles = [str(r) for r in CENTRE_ROLES]
    return models.Q(role__in=roles, parts_centre__isnull=False) | (
        ~models.Q(role__in=roles) & models.Q(parts_centre__isnull=True)
    )


class Membership(models.Model):
    """A user's membership of one tenant, with one role there (and, for a centre role, the centre)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("tenant")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # Parts-centre staff: the one centre (of the hotline's manufacturer) whose requests they work.
    parts_centre = models.ForeignKey(
        PartsCentre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("parts centre"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique"),
            models.CheckConstraint(
                condition=centre_iff_centre_role(), name="membership_centre_iff_centre_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant.slug}: {self.role}"
