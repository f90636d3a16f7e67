"""Every app says where it lives: the public schema, or the hotline or dealer type."""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings

PLACES = {
    "tenants": {"public"},
    "config": {"public"},
    "hotline": {"hotline"},
    "parts_tickets": {"hotline"},
    "dealers": {"dealer"},
    "notifications": {"hotline", "dealer"},
}


def test_every_project_app_lives_where_the_design_says():
    placed = {}
    for tenant_type, config in settings.TENANT_TYPES.items():
        for app in config["APPS"]:
            placed.setdefault(app, set()).add(tenant_type)
    project_apps = {
        c.name
        for c in apps.get_app_configs()
        if c.name in PLACES or (c.path.startswith(str(settings.BASE_DIR)) and ".venv" not in c.path)
    }

    assert project_apps == set(PLACES)
    for app, places in PLACES.items():
        assert placed[app] == places, app


def test_no_dealer_schema_holds_work_order_tables():
    dealer_apps = set(settings.TENANT_TYPES["dealer"]["APPS"])

    assert not dealer_apps & {"hotline", "parts_tickets"}
    assert "django.contrib.auth" not in dealer_apps
    assert "django.contrib.auth" not in settings.TENANT_TYPES["hotline"]["APPS"]


def test_the_project_package_does_not_shadow_the_standard_library():
    import platform
    import uuid

    assert hasattr(platform, "system")
    assert uuid.uuid4()
    assert not (settings.BASE_DIR / "platform" / "__init__.py").exists()


# The only modules that switch a connection to another tenant's schema, and why.
SCHEMA_SWITCHERS = {
    "dealers/gateway.py",  # the one door from a dealer to its work orders
    "hotline/scheduler.py",  # fires due clocks in every hotline schema
    "hotline/relay.py",  # publishes every hotline's events
    "notifications/consumers.py",  # a WebSocket has no middleware to set its schema
    "notifications/services.py",  # files each notification in its reader's own schema
    "notifications/webhooks.py",  # sends each tenant's waiting webhook deliveries
    "tenants/services/demo.py",  # loads owners and vehicles into each hotline
    "hotline/management/commands/sla_policy.py",  # an administrator edits a hotline's policy
    "tenants/services/provisioning.py",  # a new tenant's row is saved from the public schema
    "config/migration.py",  # a rollout's signals are sent in a schema of the type it migrated
    "config/migration_normal.py",  # migrates one tenant schema after another
    "config/migration_additive.py",  # renders a migration's SQL on the type's template
}


SWITCHING = re.compile(r"import[^\n]*\b(tenant_context|schema_context)\b|\.set_(tenant|schema)\(")


def test_only_the_designated_modules_switch_schemas():
    switching = {
        path.relative_to(settings.BASE_DIR).as_posix()
        for app in ("config", "tenants", "hotline", "dealers", "parts_tickets", "notifications")
        for path in (settings.BASE_DIR / app).rglob("*.py")
        if SWITCHING.search(path.read_text())
    }

    assert switching == SCHEMA_SWITCHERS
