"""The normal path of a rollout: one tenant schema migrated by Django's own executor.

django-tenants runs Django's whole ``migrate`` command per schema, on a new
connection each time. That command loads the migration graph from disk again
and asks four separate ``MigrationRecorder`` objects whether
``django_migrations`` exists; each asks with PostgreSQL's table listing, a scan
of every ``pg_class`` row (half a million at 10,000 dealer schemas, 0.77 s per
schema in all). Here, per worker process, the graph is loaded once and a
worker keeps its connection for many schemas; per schema, the table's existence
is one index lookup (``to_regclass``), the recorded migrations are read once,
and the models before and after the plan are rendered once per distinct set of
recorded migrations. What runs the migrations is Django's ``MigrationExecutor``,
so every kind of operation behaves as under ``migrate``.
"""

from __future__ import annotations

import contextlib
import copy
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DatabaseError, connection
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django_tenants.signals import schema_migrated, schema_pre_migration

Key = tuple[str, str]
_STATES_KEPT = 4


@cache
def graph_loader() -> MigrationLoader:
    """The migrations on disk and their graph, loaded once per process (no database)."""
    return MigrationLoader(None, ignore_no_migrations=True)


class SchemaRecorder(MigrationRecorder):
    """Django's recorder, asking whether the schema has ``django_migrations`` by index lookup."""

    def __init__(self, connection: Any, schema: str) -> None:
        super().__init__(connection)
        self.schema = schema

    def has_table(self) -> bool:
        if self._has_table:
            return True
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regclass(%s) IS NOT NULL",
                [f"{self.connection.ops.quote_name(self.schema)}.django_migrations"],
            )
            self._has_table = bool(cursor.fetchone()[0])
        return self._has_table


class PreparedExecutor(MigrationExecutor):
    """Django's executor over a loader and recorder given to it rather than built anew."""

    def __init__(self, connection: Any, loader: MigrationLoader, recorder: MigrationRecorder) -> None:
        self.connection = connection
        self.loader = loader
        self.recorder = recorder
        self.progress_callback = None


def loader_for(recorded: Mapping[Key, Any]) -> MigrationLoader:
    """The process's graph seen from a schema that records ``recorded``.

    Django builds its graph against one database; the graph only depends on what
    is recorded where a squashed migration is partly applied, and then (rarely)
    Django's own loader is built for this connection.
    """
    base = graph_loader()
    applied = dict(recorded)
    for key, squash in base.replacements.items():
        done = [target in recorded for target in squash.replaces]
        if any(done) and not all(done):
            return MigrationLoader(connection, ignore_no_migrations=True)
        if all(done):
            applied[key] = squash
        else:
            applied.pop(key, None)
    loader = copy.copy(base)
    loader.applied_migrations = applied
    return loader


def check_consistent_history(loader: MigrationLoader, recorded: Mapping[Key, Any], schema: str) -> None:
    """Django's check that no recorded migration lacks a recorded parent, on what was read."""
    for key in recorded:
        if key not in loader.graph.nodes:
            continue
        for parent in loader.graph.node_map[key].parents:
            if parent in recorded:
                continue
            squash = loader.replacements.get(parent)
            if squash and all(m in recorded for m in squash.replaces):
                continue
            raise InconsistentMigrationHistory(
                f"Migration {key[0]}.{key[1]} is applied before its dependency "
                f"{parent[0]}.{parent[1]} in schema {schema}."
            )


@dataclass
class _States:
    """The project state before a plan, rendered, and the models after it, for the signals."""

    before: ProjectState
    after_apps: Any = None


_states: OrderedDict[frozenset[Key], _States] = OrderedDict()


def _states_for(executor: MigrationExecutor) -> _States:
    # Every schema recording the same migrations has the same plan: the same states.
    key = frozenset(executor.loader.applied_migrations)
    states = _states.get(key)
    if states is None:
        before = executor._create_project_state(with_applied_migrations=True)
        before.apps  # noqa: B018 -- rendering the models is the expensive part; done once
        states = _states[key] = _States(before)
        while len(_states) > _STATES_KEPT:
            _states.popitem(last=False)
    return states


def state_before(executor: MigrationExecutor) -> ProjectState:
    """The project state of the recorded migrations, rendered once per distinct recorded set."""
    return _states_for(executor).before.clone()


@dataclass(frozen=True)
class SchemaMigrated:
    schema: str
    applied: tuple[Key, ...]


def schema_migrate(*, schema: str, tenant_type: str, verbosity: int = 0) -> SchemaMigrated:
    """Apply every migration ``schema`` lacks, as Django's ``migrate`` would, on this process's connection.

    Guarantees: each migration is applied and recorded in its own transaction
    (Django's ``atomic`` migrations), so a failure leaves the schema at the last
    migration that completed and raises; ``pre_migrate`` and ``post_migrate`` are
    sent for the schema as ``migrate`` sends them; a lock the DDL waits for longer
    than ``TENANT_ROLLOUT_LOCK_TIMEOUT`` fails the schema rather than the rollout.
    The connection is left on the public schema.
    """
    schema_pre_migration.send(schema_migrate, schema_name=schema)
    try:
        connection.set_schema(schema, tenant_type=tenant_type)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, false)", [settings.TENANT_ROLLOUT_LOCK_TIMEOUT]
            )
        recorder = SchemaRecorder(connection, schema)
        recorder.ensure_schema()
        recorded = recorder.applied_migrations()
        loader = loader_for(recorded)
        check_consistent_history(loader, recorded, schema)
        executor = PreparedExecutor(connection, loader, recorder)
        targets = loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if not plan:
            return SchemaMigrated(schema, ())
        states = _states_for(executor)
        # The signals get the models before and after the plan, rendered once for all the
        # schemas that share it (Django renders them again for every migrate).
        emit_pre_migrate_signal(verbosity, False, connection.alias, apps=states.before.apps, plan=plan)
        after = executor.migrate(targets, plan=plan, state=states.before.clone())
        if states.after_apps is None:
            after.clear_delayed_apps_cache()
            states.after_apps = after.apps
        emit_post_migrate_signal(verbosity, False, connection.alias, apps=states.after_apps, plan=plan)
    finally:
        connection.set_schema_to_public()
        if connection.connection is not None and not connection.in_atomic_block:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    schema_migrated.send(schema_migrate, schema_name=schema)
    return SchemaMigrated(schema, tuple((m.app_label, m.name) for m, _backwards in plan))
