"""Schema lifecycle: the public tenant, the per-type templates, rolling migrations out."""

from __future__ import annotations

from typing import TextIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import get_public_schema_name, get_tenant_types, schema_exists

from config.migration import RolloutReport, rollout_settings_check, schemas_roll_out
from config.migration_normal import schema_migrate

from ..models import Domain, Tenant, TenantType


def template_schemas() -> dict[str, str]:
    """Tenant type → its template schema, e.g. ``{"dealer": "template_dealer"}``."""
    return {t: c["BASE_SCHEMA"] for t, c in get_tenant_types().items() if c.get("BASE_SCHEMA")}


def public_tenant_ensure() -> Tenant:
    """The platform's own tenant (the public schema) and its host, ``BASE_DOMAIN``."""
    tenant = Tenant.objects.filter(schema_name="public").first()
    if tenant is None:
        tenant = Tenant(schema_name="public", type=TenantType.PUBLIC, slug="platform", name="Platform")
        tenant.save()
    Domain.objects.get_or_create(domain=settings.BASE_DOMAIN, defaults={"tenant": tenant, "is_primary": True})
    return tenant


def templates_migrate(*, verbosity: int = 0) -> None:
    """Create each type's template schema if missing and migrate it (raises if that fails).

    The templates hold the type's tables and migration records and no other rows:
    every new tenant of that type is a copy of one. Migrated by the rollout's normal
    path (config/migration_normal.py), whose cost does not grow with the number of schemas.
    """
    for tenant_type, schema in template_schemas().items():
        if not schema_exists(schema):
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(schema)}")
        # No clone may copy the template half-way through its migration (cloning.py).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [schema])
        try:
            schema_migrate(schema=schema, tenant_type=tenant_type, verbosity=verbosity)
        finally:
            if connection.connection is not None:  # a lost connection has released the lock
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [schema])
    connection.set_schema_to_public()


def migrations_roll_out(
    *,
    executor: str = "multiprocessing",
    verbosity: int = 1,
    fast_path: bool = True,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> RolloutReport:
    """Public schema, then the templates, then every tenant schema with something to apply.

    Guarantees: the public schema and the templates are migrated (or this raises)
    before any tenant schema; then every tenant schema with pending migrations is
    brought up to date or listed in the report's ``failed`` with its error
    (config/migration.py); ``executor="multiprocessing"`` spreads the tenant schemas
    over ``TENANT_MIGRATION_PROCESSES`` processes, ``"standard"`` runs them here.
    """
    rollout_settings_check()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
    public_tenant_ensure()
    templates_migrate(verbosity=max(verbosity - 1, 0))
    tenants = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("schema_name", "type")
    )
    processes = settings.TENANT_MULTIPROCESSING_MAX_PROCESSES if executor == "multiprocessing" else 1
    return schemas_roll_out(
        tenants=list(tenants),
        processes=processes,
        fast_path=fast_path,
        verbosity=verbosity,
        stdout=stdout,
        stderr=stderr,
    )
