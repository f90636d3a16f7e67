"""Migration rollout over thousands of tenant schemas, at a per-schema cost that does not grow with them.

``migrate_schemas`` as django-tenants ships it runs Django's whole ``migrate``
command once per schema, which loads the migration graph and lists the
catalog each time (reported at 12 minutes for 900 up-to-date tenants; measured
at 1 s per schema at 10,000 dealer schemas, docs/benchmarks.md). Here:

1. The applied migrations of every schema are read in a few UNION ALL queries
   and compared with the leaf migrations of the schema's type; schemas with
   nothing to apply are skipped.
2. Lagging schemas whose pending operations are all purely additive take the
   fast path (``migration_additive``): SQL rendered once from the type's
   template, applied in batched transactions, each schema checked first and
   under a savepoint.
3. Every other lagging schema, and any the fast path passed on, takes the
   normal path (``migration_normal``): Django's executor, one connection per
   worker, the graph loaded once per process.

A failing schema is reported with its error and the others carry on; an
interrupted rollout resumes where it stopped, since every schema records its
own migrations as it commits. Wired in through ``GET_EXECUTOR_FUNCTION``, so
``migrate_schemas`` and ``migrate_tenants`` roll out alike.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tenants.migration_executors import get_executor as base_get_executor
from django_tenants.utils import get_tenant_types
from tqdm import tqdm

from .migration_additive import (
    AdditivePlan,
    BatchOutcome,
    additive_batch_apply,
    additive_plan_render,
    error_text,
    plan_checked,
    plan_unsafe_reason,
    records_differ,
    type_labels,
)
from .migration_normal import Key, PreparedExecutor, graph_loader, loader_for, schema_migrate

logger = logging.getLogger(__name__)

CHUNK = 500
LISTED = 50  # schemas listed per reason in the report; the count is always complete


def required_migrations(tenant_type: str) -> list[tuple[Key, frozenset[Key]]]:
    """The leaf migrations of the type's apps, each with what it replaces if it is a squash."""
    labels = type_labels(tenant_type)
    graph = graph_loader().graph
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
        # One index lookup per schema (information_schema would scan the whole catalog).
        cursor.execute(
            "SELECT s FROM unnest(%s::text[]) AS s "
            "WHERE to_regclass(quote_ident(s) || '.django_migrations') IS NOT NULL",
            [list(schemas)],
        )
        present = [row[0] for row in cursor.fetchall()]
        result.update((schema, set()) for schema in present)
        for start in range(0, len(present), CHUNK):
            chunk = present[start : start + CHUNK]
            # Schema names are quoted as identifiers.
            sql = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {connection.ops.quote_name(schema)}.django_migrations"  # noqa: S608
                for schema in chunk
            )
            cursor.execute(sql, chunk)
            for schema, app, name in cursor.fetchall():
                result[schema].add((app, name))
    return result


def _pending(tenants: Iterable[tuple[str, str]], applied: dict[str, set[Key]]) -> list[tuple[str, str]]:
    tenants = list(tenants)
    required = {t: required_migrations(t) for t in {tenant_type for _s, tenant_type in tenants}}
    return [
        (schema, tenant_type)
        for schema, tenant_type in tenants
        if schema not in applied or not _is_current(applied[schema], required[tenant_type])
    ]


def pending_schemas(tenants: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (schema, type) pairs that have a migration to apply, or no migration table yet."""
    tenants = list(tenants)
    return _pending(tenants, applied_migrations([schema for schema, _type in tenants]))


@dataclass
class RolloutReport:
    """What a rollout did, schema by schema, for the operator."""

    schemas: int = 0
    pending: int = 0
    fast: list[str] = field(default_factory=list)
    fell_back: dict[str, str] = field(default_factory=dict)  # schema → why the fast path passed it on
    not_additive: dict[str, int] = field(default_factory=dict)  # reason → schemas sent to the normal path
    normal: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # schema → error
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


# --- workers -----------------------------------------------------------------------------------
# The plans are set before the workers fork and inherited by them; tasks name a plan by index.
_plans: list[AdditivePlan] = []
_served_on_connection = 0


def _served(schemas: int) -> None:
    """Renew the worker's connection now and then: a backend caches catalog entries of every schema."""
    global _served_on_connection  # one counter per worker process
    _served_on_connection += schemas
    if (
        _served_on_connection >= settings.TENANT_ROLLOUT_SCHEMAS_PER_CONNECTION
        and not connection.in_atomic_block
    ):
        connection.close()
        _served_on_connection = 0


def _fast_task(task: tuple[int, list[str]]) -> tuple[int, list[str], BatchOutcome]:
    index, schemas = task
    try:
        outcome = additive_batch_apply(plan=_plans[index], schemas=schemas)
    except Exception as exc:  # whatever went wrong, the normal path takes these schemas
        logger.debug("fast path batch failed", exc_info=True)
        outcome = BatchOutcome(fell_back=dict.fromkeys(schemas, error_text(exc)))
    finally:
        _served(len(schemas))
    return index, schemas, outcome


def _normal_task(task: tuple[str, str, int]) -> tuple[str, tuple[Key, ...], str | None]:
    schema, tenant_type, verbosity = task
    try:
        migrated = schema_migrate(schema=schema, tenant_type=tenant_type, verbosity=verbosity)
    except Exception as exc:  # reported with the schema; the other schemas carry on
        logger.debug("migrating %s failed", schema, exc_info=True)
        if (
            connection.connection is not None
            and not connection.in_atomic_block
            and not connection.is_usable()
        ):
            connection.close()
        return schema, (), error_text(exc)
    finally:
        _served(1)
    return schema, migrated.applied, None


def _worker_start() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextmanager
def _terminate_interrupts() -> Iterator[None]:
    """SIGTERM (a pod or Job stopped) interrupts the rollout as Ctrl-C does: workers stopped, report out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _workers(processes: int) -> Iterator[Callable[[Callable, Iterable], Iterator]]:
    """A map over tasks: in this process, or in forked worker processes with a connection each."""
    if processes <= 1 or connection.in_atomic_block:
        yield map
        return
    connection.close()  # a forked worker must never share the parent's socket
    # fork: workers inherit the loaded graph and the rendered plans (as django-tenants' pool does).
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=_worker_start)
    try:
        yield lambda fn, items: pool.imap_unordered(fn, items)
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


class _LogLines:
    """A progress bar for logs (a Job's, CI's): each update on a line of its own."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def _bar(total: int, desc: str, stream: TextIO, enabled: bool) -> tqdm:
    tty = hasattr(stream, "isatty") and stream.isatty()
    return tqdm(
        total=total,
        desc=desc,
        unit=_("schema"),
        file=stream if tty else _LogLines(stream),
        mininterval=0.5 if tty else 10,
        disable=not enabled or total == 0,
        dynamic_ncols=tty,
    )


# --- the rollout -------------------------------------------------------------------------------


def _fast_plans(
    pending: Sequence[tuple[str, str]], applied: dict[str, set[Key]], report: RolloutReport
) -> list[tuple[AdditivePlan, list[str]]]:
    """Additive plans for the groups of lagging schemas that may take the fast path.

    Schemas are grouped by what they record; a group's plan is what its type's
    template records beyond it, and it must bring the schema up to date.
    """
    templates = {t: c["BASE_SCHEMA"] for t, c in get_tenant_types().items() if c.get("BASE_SCHEMA")}
    by_type: dict[str, list[str]] = defaultdict(list)
    for schema, tenant_type in pending:
        by_type[tenant_type].append(schema)
    recorded_by_template = applied_migrations([templates[t] for t in by_type if t in templates])
    plans: list[tuple[AdditivePlan, list[str]]] = []
    for tenant_type, schemas in by_type.items():
        template = templates.get(tenant_type)
        in_template = recorded_by_template.get(template or "")
        if in_template is None or not _is_current(in_template, required_migrations(tenant_type)):
            reason = _("the %(type)s template is missing or not migrated") % {"type": tenant_type}
            report.not_additive[reason] = report.not_additive.get(reason, 0) + len(schemas)
            continue
        groups: dict[frozenset[Key], list[str]] = defaultdict(list)
        for schema in schemas:
            if schema not in applied:
                report.fell_back[schema] = _("no django_migrations table")
            else:
                groups[frozenset(applied[schema])].append(schema)
        for recorded, members in groups.items():
            if not recorded < in_template:
                report.fell_back.update(dict.fromkeys(members, records_differ()))
                continue
            loader = loader_for(dict.fromkeys(recorded))
            executor = PreparedExecutor(connection, loader, recorder=None)
            plan = [m for m, _backwards in executor.migration_plan(loader.graph.leaf_nodes())]
            if {(m.app_label, m.name) for m in plan} != in_template - recorded:
                reason = _("the template records migrations other than the ones this code would apply")
            else:
                reason = plan_unsafe_reason(migrations=plan, tenant_type=tenant_type)
            if reason is None:
                try:
                    rendered = additive_plan_render(
                        tenant_type=tenant_type, template=template, recorded=recorded, migrations=plan
                    )
                    plans.append((plan_checked(rendered), sorted(members)))
                except Exception as exc:  # the normal path applies what could not be rendered
                    logger.warning("rendering the additive plan failed", exc_info=True)
                    reason = error_text(exc)
            if reason:
                report.not_additive[reason] = report.not_additive.get(reason, 0) + len(members)
    return plans


def _signal(plan: AdditivePlan, *, post: bool, verbosity: int) -> None:
    """pre_migrate or post_migrate, once for the schemas a plan migrates, in a schema of their type."""
    migrations = [(graph_loader().graph.nodes[key], False) for key in plan.migrations]
    state = plan.post_state if post else plan.pre_state
    emit = emit_post_migrate_signal if post else emit_pre_migrate_signal
    connection.set_schema(plan.template, tenant_type=plan.tenant_type)
    try:
        emit(verbosity, False, connection.alias, apps=state.apps, plan=migrations)
    finally:
        connection.set_schema_to_public()


def rollout_settings_check() -> None:
    """Refuse settings the rollout cannot use, before anything is migrated (CommandError)."""
    if settings.TENANT_ROLLOUT_BATCH_SIZE < 1 or settings.TENANT_ROLLOUT_SCHEMAS_PER_CONNECTION < 1:
        raise CommandError(
            _("TENANT_ROLLOUT_BATCH_SIZE and TENANT_ROLLOUT_SCHEMAS_PER_CONNECTION must be at least 1.")
        )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)", [settings.TENANT_ROLLOUT_LOCK_TIMEOUT]
            )
    except DatabaseError as exc:
        raise CommandError(
            _("TENANT_ROLLOUT_LOCK_TIMEOUT: %(value)r is not a PostgreSQL duration such as 5s (%(error)s).")
            % {"value": settings.TENANT_ROLLOUT_LOCK_TIMEOUT, "error": error_text(exc)}
        ) from exc


def schemas_roll_out(
    *,
    tenants: Iterable[tuple[str, str]],
    processes: int = 1,
    fast_path: bool = True,
    verbosity: int = 1,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> RolloutReport:
    """Bring every tenant schema in ``tenants`` (schema, type) up to date; report schema by schema.

    Guarantees: schemas with nothing to apply are not touched; every other schema
    ends up to date or is listed in ``failed`` with its error, and one schema's
    failure never stops the others; the fast path migrates a schema only when it
    matched its type's template before the plan, and whatever it passes on takes
    the normal path; a schema's migrations are committed with its records, so an
    interrupted rollout (``interrupted``) resumes where it stopped when run again.
    Progress goes to ``stderr``, the report to ``stdout`` (nothing at verbosity 0).
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    rollout_settings_check()
    conflicts = graph_loader().detect_conflicts()
    if conflicts:
        names = "; ".join(f"{app}: {', '.join(sorted(ns))}" for app, ns in sorted(conflicts.items()))
        raise CommandError(
            _("Conflicting migrations (run makemigrations --merge): %(names)s") % {"names": names}
        )
    tenants = sorted(tenants)
    applied = applied_migrations([schema for schema, _type in tenants])
    pending = _pending(tenants, applied)
    report = RolloutReport(schemas=len(tenants), pending=len(pending))
    say = (lambda line: stdout.write(line + "\n")) if verbosity else (lambda line: None)
    say(
        _("%(pending)d of %(total)d tenant schemas have migrations to apply")
        % {"pending": len(pending), "total": len(tenants)}
    )
    if not pending:
        return report
    try:
        with _terminate_interrupts():
            _roll_out(pending, applied, report, processes, fast_path, verbosity, stderr)
    except KeyboardInterrupt:
        report.interrupted = True
    for line in report_lines(report):
        say(line)
    return report


def _roll_out(
    pending: list[tuple[str, str]],
    applied: dict[str, set[Key]],
    report: RolloutReport,
    processes: int,
    fast_path: bool,
    verbosity: int,
    stderr: TextIO,
) -> None:
    if fast_path:
        _roll_out_fast(pending, applied, report, processes, verbosity, stderr)
        done = set(report.fast)
        # What is still pending is what the fast path passed on or never took.
        pending = pending_schemas(pending)
        unexpected = sorted(s for s, _t in pending if s in done)
        if unexpected:
            logger.warning("schemas still pending after the fast path: %s", unexpected)
    _roll_out_normal(pending, report, processes, verbosity, stderr)


def _roll_out_fast(
    pending: Sequence[tuple[str, str]],
    applied: dict[str, set[Key]],
    report: RolloutReport,
    processes: int,
    verbosity: int,
    stderr: TextIO,
) -> None:
    plans = _fast_plans(pending, applied, report)
    if not plans:
        return
    _plans[:] = [plan for plan, _members in plans]
    size = max(1, settings.TENANT_ROLLOUT_BATCH_SIZE)
    tasks = [
        (index, members[start : start + size])
        for index, (_plan, members) in enumerate(plans)
        for start in range(0, len(members), size)
    ]
    for plan in _plans:
        _signal(plan, post=False, verbosity=verbosity)
    migrated: set[int] = set()
    bar = _bar(sum(len(m) for _p, m in plans), _("fast path"), stderr, verbosity > 0)
    try:
        with _workers(processes) as run:
            for index, _schemas, outcome in run(_fast_task, tasks):
                report.fast.extend(outcome.done)
                report.fell_back.update(outcome.fell_back)
                if outcome.done:
                    migrated.add(index)
                if verbosity >= 2:
                    for schema in outcome.done:
                        tqdm.write(f"{schema}: " + _("migrated (fast path)"), file=stderr)
                bar.update(len(outcome.done) + len(outcome.fell_back))
    finally:
        bar.close()
        # post_migrate once per plan that migrated anything, even when interrupted after it did.
        for index in sorted(migrated):
            _signal(_plans[index], post=True, verbosity=verbosity)


def _roll_out_normal(
    pending: Sequence[tuple[str, str]], report: RolloutReport, processes: int, verbosity: int, stderr: TextIO
) -> None:
    bar = _bar(len(pending), _("normal path"), stderr, verbosity > 0)
    try:
        with _workers(processes) as run:
            for schema, migrations, error in run(_normal_task, [(s, t, 0) for s, t in pending]):
                if error:
                    report.failed[schema] = error
                    tqdm.write(f"{schema}: {error}", file=stderr)
                else:
                    report.normal.append(schema)
                    if verbosity >= 2:
                        names = ", ".join(f"{a}.{n}" for a, n in migrations)
                        tqdm.write(
                            f"{schema}: " + _("applied %(migrations)s") % {"migrations": names}, file=stderr
                        )
                bar.update()
    finally:
        bar.close()


def report_lines(report: RolloutReport) -> list[str]:
    """The rollout's report as the operator reads it."""

    def schemas(count: int) -> str:
        return ngettext("%(count)d schema", "%(count)d schemas", count) % {"count": count}

    lines: list[str] = []
    if report.fast:
        lines.append(
            _("Fast path (SQL rendered once from the template): %(n)s") % {"n": schemas(len(report.fast))}
        )
    if report.fell_back:
        lines.append(_("Fell back to the normal path: %(n)s") % {"n": schemas(len(report.fell_back))})
        for schema, reason in sorted(report.fell_back.items())[:LISTED]:
            lines.append(f"  {schema}: {reason}")
        if len(report.fell_back) > LISTED:
            lines.append("  " + _("… and %(n)s more") % {"n": schemas(len(report.fell_back) - LISTED)})
    if report.not_additive:
        lines.append(_("Not purely additive, so the normal path:"))
        for reason, count in sorted(report.not_additive.items()):
            lines.append(f"  {schemas(count)}: {reason}")
    if report.normal or report.failed:
        lines.append(_("Normal path: %(n)s migrated") % {"n": schemas(len(report.normal))})
    if report.failed:
        lines.append(_("Failed: %(n)s") % {"n": schemas(len(report.failed))})
        for schema, error in sorted(report.failed.items()):
            lines.append(f"  {schema}: {error}")
    if report.interrupted:
        lines.append(
            _(
                "Interrupted: %(n)s migrated and committed. Run the command again to continue; "
                "schemas already migrated are skipped."
            )
            % {"n": schemas(len(report.fast) + len(report.normal))}
        )
    return lines


def rollout_error(report: RolloutReport) -> CommandError | None:
    """The command's failure for a report with failed schemas or an interruption, else None."""
    if report.interrupted:
        return CommandError(_("Interrupted."), returncode=130)
    if report.failed:
        return CommandError(
            ngettext(
                "%(count)d tenant schema failed to migrate (listed above); the others are up to date. "
                "Run the command again once it is fixed: only lagging schemas are migrated.",
                "%(count)d tenant schemas failed to migrate (listed above); the others are up to date. "
                "Run the command again once they are fixed: only lagging schemas are migrated.",
                len(report.failed),
            )
            % {"count": len(report.failed)}
        )
    return None


SPECIAL = (
    "fake",
    "fake_initial",
    "app_label",
    "migration_name",
    "plan",
    "check_unapplied",
    "prune",
    "run_syncdb",
)


def get_executor(codename: str | None = None) -> type:
    """django-tenants' executor for ``codename``, rolling out as described above.

    Django's own ``migrate`` options (``--fake``, a target migration, ``--plan``,
    ``--check`` …) keep django-tenants' per-schema behaviour, over the schemas
    with pending migrations (over all schemas for ``--fake``, a target, ``--plan``).
    """
    base = base_get_executor(codename)

    class Rollout(base):  # type: ignore[misc, valid-type]
        def run_multi_type_migrations(self, tenants: Iterable[tuple[str, str]]) -> None:
            tenants = list(tenants or [])
            options: dict[str, Any] = self.options
            if options.get("fake") or options.get("migration_name") or options.get("plan"):
                return super().run_multi_type_migrations(tenants)
            if any(options.get(name) for name in SPECIAL):
                pending = pending_schemas(tenants)
                return super().run_multi_type_migrations(pending) if pending else None
            processes = (
                settings.TENANT_MULTIPROCESSING_MAX_PROCESSES if self.codename == "multiprocessing" else 1
            )
            report = schemas_roll_out(
                tenants=tenants, processes=processes, verbosity=int(options.get("verbosity", 1))
            )
            error = rollout_error(report)
            if error:
                raise error
            return None

    Rollout.__name__ = f"Rollout{base.__name__}"
    return Rollout
