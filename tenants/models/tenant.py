"""Tenants and their host names. Lives in the public schema."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_tenant_type_choices, schema_exists

from ..services.cloning import schema_clone

SLUG_RULE = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
slug_validator = RegexValidator(
    SLUG_RULE,
    _(
        "3 to 40 characters: lowercase letters, digits and hyphens, starting with a letter "
        "and not ending with a hyphen."
    ),
    code="slug_format",
)
# Host labels and schema names the platform keeps for itself.
RESERVED_SLUGS = frozenset({"www", "api", "admin", "static", "public", "template", "mail", "ws"})


class TenantType(models.TextChoices):
    PUBLIC = "public", _("Platform")
    HOTLINE = "hotline", _("Customer-service centre")
    DEALER = "dealer", _("Dealer")


class Tenant(TenantMixin):
    """One PostgreSQL schema: the platform (public), a manufacturer's hotline, or a dealer."""

    type = models.CharField(_("type"), max_length=16, choices=get_tenant_type_choices())
    slug = models.CharField(_("slug"), max_length=40, unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=120)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    def get_type_display(self) -> str:
        """The kind of workplace in the reader's language (the field's choices are
        django-tenants' bare type names)."""
        return str(TenantType(self.type).label) if self.type in TenantType.values else self.type

    @staticmethod
    def schema_name_for(slug: str) -> str:
        return slug.replace("-", "_")

    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> bool | None:
        """Copy the type's migrated template schema, migration records included.

        django-tenants clones with a general PL/pgSQL function and then runs
        ``migrate_schemas --fake``, loading the whole migration graph per tenant;
        both slow down as schemas accumulate (docs/benchmarks.md). The copy here
        (``tenants.services.cloning``) already carries the template's migration
        records. Without a template (a database before ``migrate_tenants``) it
        falls back to django-tenants' migrating path.
        """
        base_schema = self.get_base_schema()
        if not (sync_schema and base_schema and schema_exists(base_schema)):
            return super().create_schema(check_if_exists, sync_schema, verbosity)

        # Never adopt a schema that is already there (a deleted tenant's data stays behind).

        if schema_exists(self.schema_name, case_sensitive=False):
            raise ValidationError({"slug": ["A schema with this name already exists."]})
        schema_clone(base_schema, self.schema_name)
        return True


class Domain(DomainMixin):
    """A host name that resolves to a tenant."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
