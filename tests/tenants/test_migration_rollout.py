"""Rolling migrations out: only schemas with something to apply are migrated."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from config.migration import applied_migrations, pending_schemas

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


def test_migrate_schemas_applies_to_the_lagging_schema_only(manufacturer, other_manufacturer, monkeypatch):
    join(manufacturer, "gz-junda", "HQ-GD-001")
    lagging = manufacturer.hotline.schema_name
    app, name = forget_latest_migration(lagging)
    # Make re-applying that migration harmless: the tables already exist.
    migrated: list[str] = []
    from django_tenants.migration_executors import standard

    real = standard.run_migrations

    def recording(args, options, codename, schema_name, **kwargs):
        migrated.append(schema_name)
        options = {**options, "fake": True}
        return real(args, options, codename, schema_name, **kwargs)

    monkeypatch.setattr(standard, "run_migrations", recording)
    call_command("migrate_schemas", tenant=True, executor="standard", verbosity=0)
    connection.set_schema_to_public()

    assert migrated == [lagging]
    assert (app, name) in applied_migrations([lagging])[lagging]
