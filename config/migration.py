"""Migration rollout over thousands of tenant schemas: skip the ones with nothing to apply.

``migrate_schemas`` runs Django's whole ``migrate`` command once per schema,
which loads the migration graph and inspects the schema each time, even when
nothing is pending (reported at 12 minutes for 900 up-to-date tenants). Here
the applied migrations of every schema are read in a few UNION ALL queries and
compared with the leaf migrations of the schema's type; only the schemas that
lack one are handed to django-tenants' executor (parallel with
``--executor=multiprocessing``). Wired in through ``GET_EXECUTOR_FUNCTION``, so
every ``migrate_schemas`` run, and ``migrate_tenants``, skips alike.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import cache

from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as base_get_executor
from django_tenants.utils import get_tenant_types

logger = logging.getLogger(__name__)

Key = tuple[str, str]
CHUNK = 500


@cache
def _loader() -> MigrationLoader:
    return MigrationLoader(None, ignore_no_migrations=True)


def required_migrations(tenant_type: str) -> list[tuple[Key, frozenset[Key]]]:
    """The leaf migrations of the type's apps, each with what it replaces if it is a squash."""
    modules = set(get_tenant_types()[tenant_type]["APPS"])
    labels = {config.label for config in apps.get_app_configs() if config.name in modules}
    graph = _loader().graph
    return [
        (leaf, frozenset(map(tuple, graph.nodes[leaf].replaces or ())))
        for leaf in graph.leaf_nodes()
        if leaf[0] in labels
    ]


def _is_current(applied: set[Key], required: list[tuple[Key, frozenset[Key]]]) -> bool:
    """Every leaf recorded (a squashed leaf also counts when all it replaces is recorded)."""
    return all(leaf in applied or (replaces and replaces <= applied) for leaf, replaces in required)


def applied_migrations(schemas: Sequence[str]) -> dict[str, set[Key]]:
    """The recorded migrations of each schema that has a ``django_migrations`` table."""
    result: dict[str, set[Key]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [list(schemas)],
        )
        present = [row[0] for row in cursor.fetchall()]
        result.update((schema, set()) for schema in present)
        for start in range(0, len(present), CHUNK):
            chunk = present[start : start + CHUNK]
            # Schema names come from information_schema and are quoted as identifiers.
            sql = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {connection.ops.quote_name(schema)}.django_migrations"  # noqa: S608
                for schema in chunk
            )
            cursor.execute(sql, chunk)
            for schema, app, name in cursor.fetchall():
                result[schema].add((app, name))
    return result


def pending_schemas(tenants: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (schema, type) pairs that have a migration to apply, or no migration table yet."""
    tenants = list(tenants)
    applied = applied_migrations([schema for schema, _type in tenants])
    required = {t: required_migrations(t) for t in {tenant_type for _s, tenant_type in tenants}}
    return [
        (schema, tenant_type)
        for schema, tenant_type in tenants
        if schema not in applied or not _is_current(applied[schema], required[tenant_type])
    ]


def get_executor(codename: str | None = None) -> type:
    """django-tenants' executor for ``codename``, narrowed to schemas with pending work."""
    base = base_get_executor(codename)

    class PendingOnly(base):  # type: ignore[misc, valid-type]
        def run_multi_type_migrations(self, tenants):
            tenants = list(tenants or [])
            if self.options.get("fake") or self.options.get("migration_name") or self.options.get("plan"):
                return super().run_multi_type_migrations(tenants)
            pending = pending_schemas(tenants)
            logger.info("%d of %d schemas have migrations to apply", len(pending), len(tenants))
            if pending:
                super().run_multi_type_migrations(pending)
            return None

    PendingOnly.__name__ = f"PendingOnly{base.__name__}"
    return PendingOnly
