"""Keys for machines calling the API, and the answers kept for idempotent retries (public schema).

A key belongs to one tenant and is useless on any other host. It is shown once
when made; only its prefix (to recognise it) and a SHA-256 digest of the whole
key are stored. The secret part carries 256 bits of randomness, so a fast
digest is enough: there is nothing to guess a password from.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .network import PartsCentre
from .tenant import Tenant


class ApiKeyKind(models.TextChoices):
    PARTS_CENTRE = "parts_centre", _("Parts centre")
    INTEGRATION = "integration", _("Integration")


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiKey(models.Model):
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("tenant")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=ApiKeyKind.choices)
    scope = models.CharField(_("scope"), max_length=8, choices=ApiKeyScope.choices)
    # Parts-centre keys: the centre whose requests the key sees (a centre of the tenant's maker).
    parts_centre = models.ForeignKey(
        PartsCentre,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("parts centre"),
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["tenant", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="parts_centre", parts_centre__isnull=False)
                    | models.Q(kind="integration", parts_centre__isnull=True)
                ),
                name="api_key_centre_iff_parts_centre_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The answer to a POST sent with an ``Idempotency-Key``, replayed when the same key returns.

    Written in the same transaction as the change it answers for: either both
    exist or neither does.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    principal = models.CharField(max_length=40)  # "key:<id>" or "user:<id>"
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "principal", "key"], name="idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.principal}/{self.key}"
