# ruff: noqa: S608 -- every name in the generated SQL is a schema, table or index name, quoted.
"""The fast path of a rollout: a purely additive migration as SQL rendered once, run per schema.

Applying one nullable column costs PostgreSQL about 2 ms per schema; Django's
migrate machinery around it costs tens of milliseconds (the project state, the
signals, the recorder). When every pending operation of a tenant type's apps
is on the safe list below, the SQL is rendered once, from the type's template
schema (so the tenant router lets it through), and each lagging schema runs it
in small batched transactions, each schema under a savepoint with a
``lock_timeout``. Within the same transaction, before any DDL, every schema of
the batch must record exactly the template's migrations minus the plan and its
affected tables must look like the template's before the plan; any schema that
differs, or whose SQL fails, is left as it was and goes through the normal path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations import Migration
from django.db.migrations.operations import (
    AddField,
    AddIndex,
    AlterModelManagers,
    AlterModelOptions,
    CreateModel,
)
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED
from django.utils.translation import gettext as _
from django_tenants.signals import schema_migrated
from django_tenants.utils import get_tenant_types

from .migration_normal import Key, PreparedExecutor, loader_for, state_before

# Operations that change a schema only by adding to it, so old code keeps working and a
# failure half-way leaves nothing behind once the savepoint is rolled back. AddIndex is
# a plain CREATE INDEX: dealer tables are small, and the lock_timeout bounds the wait;
# AddIndexConcurrently cannot run inside a transaction, so it takes the normal path.
MAKES_SQL = (CreateModel, AddField, AddIndex)
STATE_ONLY = (AlterModelOptions, AlterModelManagers)


class RenderedNothing(RuntimeError):
    """An operation that changes the schema rendered no SQL: the connection was not on the type's template."""


def unsafe_reason(operation: object) -> str | None:
    """Why ``operation`` may not take the fast path, or None when it may."""
    # Exact types: AddIndexConcurrently is an AddIndex that must not run in a transaction.
    if type(operation) in (*STATE_ONLY, CreateModel, AddIndex):
        return None
    if type(operation) is AddField:
        f = operation.field
        if f.primary_key or f.unique:
            return _("%(operation)s: a unique or primary key column") % {"operation": operation.describe()}
        if f.null or f.many_to_many or f.db_default is not NOT_PROVIDED:
            return None
        if f.has_default() and not callable(f.default):
            return None  # a constant default: PostgreSQL adds the column without rewriting the table
        return _("%(operation)s: neither nullable nor with a constant default") % {
            "operation": operation.describe()
        }
    return _("%(operation)s: %(kind)s is not on the fast path's list") % {
        "operation": operation.describe(),
        "kind": type(operation).__name__,
    }


def plan_unsafe_reason(*, migrations: Sequence[Migration], tenant_type: str) -> str | None:
    """Why a plan may not take the fast path (its first offending migration), or None when it may.

    Only the type's own apps count: the tenant router skips the operations of the
    other apps' migrations in this type's schemas, which merely record them.
    """
    labels = type_labels(tenant_type)
    for migration in migrations:
        if migration.app_label not in labels:
            continue
        reasons = [] if migration.atomic else [_("the migration is not atomic")]
        reasons += [reason for operation in migration.operations if (reason := unsafe_reason(operation))]
        if reasons:
            return f"{migration.app_label}.{migration.name}: {reasons[0]}"
    return None


def type_labels(tenant_type: str) -> set[str]:
    modules = set(get_tenant_types()[tenant_type]["APPS"])
    return {c.label for c in apps.get_app_configs() if c.name in modules}


@dataclass(frozen=True)
class AdditivePlan:
    """What the fast path runs in each schema of a group, and what it checks first."""

    tenant_type: str
    template: str
    migrations: tuple[Key, ...]
    records: tuple[Key, ...]  # rows for django_migrations (what a squash replaces, as Django records it)
    sql: str
    altered: tuple[tuple[str, tuple[str, ...]], ...]  # existing table → columns the plan adds
    created: tuple[str, ...]  # tables and indexes the plan creates
    expected: tuple[str | int | None, ...] = ()
    pre_state: ProjectState | None = field(default=None, compare=False, repr=False)
    post_state: ProjectState | None = field(default=None, compare=False, repr=False)

    def check_sql(self, schema: str, *, template: bool = False) -> str:
        """One row: the schema, a digest of its recorded migrations and of each altered table, and
        how many of the objects the plan creates exist already (the template: as before the plan)."""
        q = connection.ops.quote_name
        records = ""
        if template:
            records = (
                " WHERE (app, name) NOT IN ("
                + ", ".join(f"({_literal(a)}, {_literal(n)})" for a, n in self.records)
                + ")"
            )
        parts = [
            _literal(schema),
            "(SELECT md5(string_agg(k, ',' ORDER BY k COLLATE \"C\")) FROM "
            f"(SELECT DISTINCT app || '.' || name AS k FROM {q(schema)}.django_migrations{records}) m)",
        ]
        for table, columns in self.altered:
            skip = ""
            if template and columns:
                skip = " AND a.attname NOT IN (" + ", ".join(_literal(c) for c in columns) + ")"
            parts.append(
                "(SELECT md5(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || "
                "CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, ',' ORDER BY a.attname COLLATE \"C\")) "
                f"FROM pg_attribute a WHERE a.attrelid = to_regclass({_literal(f'{q(schema)}.{q(table)}')}) "
                f"AND a.attnum > 0 AND NOT a.attisdropped{skip})"
            )
        if template:
            parts.append("0")
        else:
            present = [f"to_regclass({_literal(f'{q(schema)}.{q(name)}')})" for name in self.created]
            parts.append(f"num_nonnulls({', '.join(present)})" if present else "0")
        return "SELECT " + ", ".join(parts)

    def records_sql(self) -> str:
        rows = ", ".join(f"({_literal(a)}, {_literal(n)}, now())" for a, n in self.records)
        return f"INSERT INTO django_migrations (app, name, applied) VALUES {rows};"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def additive_plan_render(
    *, tenant_type: str, template: str, recorded: Iterable[Key], migrations: Sequence[Migration]
) -> AdditivePlan:
    """The SQL that takes a schema recording ``recorded`` through ``migrations``, rendered once.

    Rendered on the connection set to ``template`` (the type's template schema), so the
    tenant router applies the type's apps; an operation of those apps that renders no
    SQL means the router skipped it, and raises ``RenderedNothing`` rather than
    producing a plan that would only record migrations. Nothing is executed.
    """
    labels = type_labels(tenant_type)
    connection.set_schema(template, tenant_type=tenant_type)
    try:
        executor = PreparedExecutor(connection, loader_for(dict.fromkeys(recorded)), recorder=None)
        state = state_before(executor)
        pre_state = state.clone()
        statements: list[str] = []
        altered: dict[str, list[str]] = {}
        created: list[str] = []
        for migration in migrations:
            ours = migration.app_label in labels
            with connection.schema_editor(collect_sql=True, atomic=False) as editor:
                for operation in migration.operations:
                    before = len(editor.collected_sql)
                    old_state = state.clone()
                    operation.state_forwards(migration.app_label, state)
                    operation.database_forwards(migration.app_label, editor, old_state, state)
                    if not ours or not isinstance(operation, MAKES_SQL):
                        continue
                    if len(editor.collected_sql) == before:
                        raise RenderedNothing(
                            f"{migration.app_label}.{migration.name}: {operation.describe()} rendered no SQL "
                            f"on schema {connection.schema_name}; render on the {tenant_type} template"
                        )
                    _note_objects(migration.app_label, operation, old_state, state, altered, created)
            statements.extend(editor.collected_sql)
    finally:
        connection.set_schema_to_public()
    records = tuple(r for m in migrations for r in (m.replaces or [(m.app_label, m.name)]))
    return AdditivePlan(
        tenant_type=tenant_type,
        template=template,
        migrations=tuple((m.app_label, m.name) for m in migrations),
        records=tuple(tuple(r) for r in records),
        sql="\n".join(statements),
        altered=tuple((t, tuple(c)) for t, c in altered.items() if t not in created),
        created=tuple(created),
        pre_state=pre_state,
        post_state=state,
    )


def _note_objects(
    app_label: str,
    operation: object,
    old_state: ProjectState,
    new_state: ProjectState,
    altered: dict[str, list[str]],
    created: list[str],
) -> None:
    """Record the tables and indexes ``operation`` touches, for the check before the DDL."""
    if isinstance(operation, CreateModel):
        model = new_state.apps.get_model(app_label, operation.name)
        created.append(model._meta.db_table)
        created.extend(
            f.remote_field.through._meta.db_table
            for f in model._meta.local_many_to_many
            if f.remote_field.through._meta.auto_created
        )
    elif isinstance(operation, AddField):
        model = new_state.apps.get_model(app_label, operation.model_name)
        f = model._meta.get_field(operation.name)
        if f.many_to_many:
            created.append(f.remote_field.through._meta.db_table)
        else:
            altered.setdefault(model._meta.db_table, []).append(f.column)
    elif isinstance(operation, AddIndex):
        model = old_state.apps.get_model(app_label, operation.model_name)
        altered.setdefault(model._meta.db_table, [])
        created.append(operation.index.name)


def plan_checked(plan: AdditivePlan) -> AdditivePlan:
    """``plan`` with what each schema must show before its DDL, read from the template."""
    with connection.cursor() as cursor:
        cursor.execute(plan.check_sql(plan.template, template=True))
        row = cursor.fetchone()
    return dataclasses.replace(plan, expected=tuple(row[1:]))


@dataclass
class BatchOutcome:
    done: list[str] = field(default_factory=list)
    fell_back: dict[str, str] = field(default_factory=dict)


def additive_batch_apply(*, plan: AdditivePlan, schemas: Sequence[str]) -> BatchOutcome:
    """Run ``plan`` in each of ``schemas``, in one transaction; pass on those that differ or fail.

    Guarantees: the batch's ``django_migrations`` tables are locked and checked in the
    same transaction as the DDL; a schema whose recorded migrations or altered tables
    differ from the template's before the plan is not touched; each schema's DDL and
    records run under a savepoint with ``TENANT_ROLLOUT_LOCK_TIMEOUT``, so a failure
    rolls back that schema alone. Every schema is either in ``done`` (migrated and
    recorded, committed) or in ``fell_back`` with the reason; nothing is half-applied.
    """
    q = connection.ops.quote_name
    outcome = BatchOutcome()
    body = plan.sql + "\n" + plan.records_sql()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)", [settings.TENANT_ROLLOUT_LOCK_TIMEOUT]
            )
            tables = ", ".join(f"{q(s)}.django_migrations" for s in schemas)
            # Another migrator of these schemas waits (or this one times out) until commit.
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(" UNION ALL ".join(plan.check_sql(s) for s in schemas))
            found = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
            for schema in schemas:
                reason = _difference(plan, found.get(schema))
                if reason:
                    outcome.fell_back[schema] = reason
                    continue
                try:
                    with transaction.atomic():
                        cursor.execute(f"SET LOCAL search_path = {q(schema)}, public;\n{body}")
                except DatabaseError as exc:
                    outcome.fell_back[schema] = error_text(exc)
                else:
                    outcome.done.append(schema)
    except DatabaseError as exc:
        reason = error_text(exc)
        outcome = BatchOutcome(fell_back=dict.fromkeys(schemas, reason))
    for schema in outcome.done:
        schema_migrated.send(additive_batch_apply, schema_name=schema)
    return outcome


def _difference(plan: AdditivePlan, found: tuple | None) -> str | None:
    if found is None:
        return _("no django_migrations table")
    if found[0] != plan.expected[0]:
        return records_differ()
    for (table, _columns), mine, theirs in zip(plan.altered, found[1:-1], plan.expected[1:-1], strict=True):
        if mine != theirs:
            return _("table %(table)s differs from the template's") % {"table": table}
    if found[-1]:
        return _("an object the migration creates exists already")
    return None


def records_differ() -> str:
    return _("its recorded migrations differ from the template's")


def error_text(exc: BaseException) -> str:
    """The first line of an error, with its class: enough to act on in a report."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()
