"""Rolling migrations out: only schemas with something to apply are migrated, each by the right path.

These run in the test's transaction on schemas made to lag by unapplying their
type's latest migration; tests/tenants/test_migrate_tenants.py runs the command
itself over a dozen schemas in a child process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django_tenants.signals import schema_migrated

from config.migration import applied_migrations, pending_schemas, schemas_roll_out
from config.migration_additive import (
    RenderedNothing,
    additive_batch_apply,
    additive_plan_render,
    plan_checked,
    records_differ,
)
from config.migration_normal import graph_loader
from tenants.models import Tenant

from ..conftest import join

pytestmark = pytest.mark.django_db


def forget_latest_migration(schema: str) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT app, name FROM "{schema}".django_migrations '  # noqa: S608
            "WHERE app = 'hotline' ORDER BY name DESC LIMIT 1"
        )
        app, name = cursor.fetchone()
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations '  # noqa: S608
            "WHERE app = %s AND name = %s",
            [app, name],
        )
    return app, name


def test_freshly_cloned_schemas_have_nothing_pending(hotline, other_manufacturer, dealer):
    tenants = [
        (hotline.schema_name, "hotline"),
        (other_manufacturer.hotline.schema_name, "hotline"),
        (dealer.schema_name, "dealer"),
    ]

    assert pending_schemas(tenants) == []


def test_a_schema_missing_a_migration_is_the_only_one_pending(hotline, other_manufacturer):
    forget_latest_migration(hotline.schema_name)
    tenants = [(hotline.schema_name, "hotline"), (other_manufacturer.hotline.schema_name, "hotline")]

    assert pending_schemas(tenants) == [(hotline.schema_name, "hotline")]


def test_a_schema_without_migration_table_is_pending(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA bare_schema")

    assert pending_schemas([("bare_schema", "dealer")]) == [("bare_schema", "dealer")]


def lag_behind(tenant: Tenant, app: str) -> list[tuple[str, str]]:
    """Unapply ``app``'s latest migrations in the tenant's schema, back to and including the latest
    one that changes the database (one that only records, such as new choices, renders no SQL):
    a schema that missed a release. The unapplied migrations, oldest first."""
    connection.set_tenant(tenant)
    try:
        executor = MigrationExecutor(connection)
        graph = executor.loader.graph
        key = next(key for key in graph.leaf_nodes() if key[0] == app)
        unapplied: list[tuple[str, str]] = []
        while True:
            parent = next(p for p in graph.node_map[key].parents if p[0] == app)
            executor.migrate([parent])
            unapplied.insert(0, key)
            executor.loader.build_graph()
            sql = executor.loader.collect_sql([(graph.nodes[key], False)])
            if any(not line.startswith("--") for line in sql):  # not only the operations' comments
                return unapplied
            key = parent
    finally:
        connection.set_schema_to_public()


def table_exists(schema: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}"."{table}"'])
        return cursor.fetchone()[0]


def what_it_makes(rendered) -> tuple[str, str | None]:
    """A relation (table or index) the rendered plan creates, or a table and a column it adds
    (whichever the latest migration does)."""
    if rendered.created:
        return rendered.created[0], None
    table, columns = rendered.altered[0]
    return table, columns[0]


def exists(schema: str, table: str, column: str | None) -> bool:
    if column is None:
        return table_exists(schema, table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s AND column_name = %s)",
            [schema, table, column],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def migrated() -> Iterator[list[str]]:
    """The schemas a rollout reports as migrated (django-tenants' ``schema_migrated`` signal)."""
    schemas: list[str] = []

    def record(sender, schema_name, **kwargs):
        schemas.append(schema_name)

    schema_migrated.connect(record)
    yield schemas
    schema_migrated.disconnect(record)


def test_migrate_schemas_applies_to_the_lagging_schema_only(manufacturer, other_manufacturer, migrated):
    join(manufacturer, "gz-junda", "HQ-GD-001")
    lagging = manufacturer.hotline
    keys = lag_behind(lagging, "hotline")
    assert pending_schemas([(lagging.schema_name, "hotline")]) == [(lagging.schema_name, "hotline")]

    call_command("migrate_schemas", tenant=True, executor="standard", verbosity=0)

    assert migrated == [lagging.schema_name]
    assert set(keys) <= applied_migrations([lagging.schema_name])[lagging.schema_name]
    assert pending_schemas([(lagging.schema_name, "hotline")]) == []


def test_the_normal_path_migrates_without_listing_the_catalog(manufacturer, other_manufacturer, migrated):
    lagging = [manufacturer.hotline, other_manufacturer.hotline]
    for tenant in lagging:
        lag_behind(tenant, "hotline")

    with CaptureQueriesContext(connection) as queries:
        report = schemas_roll_out(
            tenants=[(t.schema_name, "hotline") for t in lagging], fast_path=False, verbosity=0
        )

    assert report.failed == {}
    assert sorted(report.normal) == sorted(migrated) == sorted(t.schema_name for t in lagging)
    # Django's table listing scans every pg_class row: at 10,000 schemas, 0.2 s per call.
    assert not [q["sql"] for q in queries.captured_queries if "pg_table_is_visible" in q["sql"]]
    assert pending_schemas([(t.schema_name, "hotline") for t in lagging]) == []


def test_rendering_on_the_public_schema_is_an_error(manufacturer):
    hotline = manufacturer.hotline
    plan = lag_behind(hotline, "hotline")
    [(lagging, _type)] = pending_schemas([(hotline.schema_name, "hotline")])
    recorded = applied_migrations([lagging])[lagging]
    migrations = [graph_loader().graph.nodes[key] for key in plan]

    # The tenant router skips hotline operations on the public schema: rendering there would
    # give a plan that records the migration without applying it.
    with pytest.raises(RenderedNothing):
        additive_plan_render(
            tenant_type="hotline", template="public", recorded=recorded, migrations=migrations
        )
    rendered = additive_plan_render(
        tenant_type="hotline", template="template_hotline", recorded=recorded, migrations=migrations
    )
    assert rendered.created or rendered.altered
    assert "CREATE " in rendered.sql or "ALTER TABLE" in rendered.sql


def test_a_schema_whose_records_change_after_planning_is_left_to_the_normal_path(
    manufacturer, other_manufacturer
):
    schemas = [manufacturer.hotline.schema_name, other_manufacturer.hotline.schema_name]
    for tenant in (manufacturer.hotline, other_manufacturer.hotline):
        keys = lag_behind(tenant, "hotline")
    recorded = applied_migrations(schemas)[schemas[0]]
    rendered = additive_plan_render(
        tenant_type="hotline",
        template="template_hotline",
        recorded=recorded,
        migrations=[graph_loader().graph.nodes[key] for key in keys],
    )
    plan = plan_checked(rendered)
    made = what_it_makes(rendered)
    # Between the plan and the batch, something else records a migration in one schema.
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{schemas[1]}".django_migrations (app, name, applied) '  # noqa: S608
            "VALUES ('hotline', '0001_hotfix', now())"
        )

    outcome = additive_batch_apply(plan=plan, schemas=schemas)

    assert outcome.done == [schemas[0]]
    assert list(outcome.fell_back) == [schemas[1]]
    assert outcome.fell_back[schemas[1]] == records_differ()
    assert exists(schemas[0], *made)
    assert not exists(schemas[1], *made)
    assert set(keys) <= applied_migrations([schemas[0]])[schemas[0]]
    assert not set(keys) & applied_migrations([schemas[1]])[schemas[1]]
