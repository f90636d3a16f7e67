"""Every app says where it lives: the public schema, or the hotline or dealer type."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings

PLACES = {
    "tenants": {"public"},
    "config": {"public"},
    "hotline": {"hotline"},
    "parts_tickets": {"hotline"},
    "dealers": {"dealer"},
    "notifications": {"hotline", "dealer"},
    "live": {"public"},  # no tables: installed once for its command and sockets
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


# The only modules that switch a connection to another tenant's schema (or read which one it
# is in), and why.
SCHEMA_SWITCHERS = {
    "dealers/gateway.py",  # the one door from a dealer to its work orders
    "tenants/context.py",  # the loops over tenants, and the current tenant
    "tenants/middleware.py",  # a request on an unknown host goes on in the public schema
    "tenants/services/schemas.py",  # migrating the templates ends in the public schema
    "tenants/services/provisioning.py",  # a new tenant's row is saved from the public schema
    "live/consumers.py",  # a WebSocket has no middleware to set its schema
    "live/dispatch.py",  # queues each dealer's webhooks in its own schema
    "notifications/services.py",  # files each notification in its reader's own schema
    "hotline/management/commands/sla_policy.py",  # an administrator edits a hotline's policy
    "config/demo.py",  # loads owners, vehicles and work orders into each hotline
    "config/migration.py",  # a rollout's signals are sent in a schema of the type it migrated
    "config/migration_normal.py",  # migrates one tenant schema after another
    "config/migration_additive.py",  # renders a migration's SQL on the type's template
}
SWITCHING = re.compile(
    r"\b(tenant_context|schema_context)\b|\.set_(tenant|schema|schema_to_public)\(|\bconnection\.tenant\b"
)
APPS = ("config", "tenants", "hotline", "dealers", "parts_tickets", "notifications", "live")


def _switching(sources: dict[str, str]) -> set[str]:
    return {path for path, text in sources.items() if SWITCHING.search(text)}


def test_only_the_designated_modules_switch_schemas():
    sources = {
        path.relative_to(settings.BASE_DIR).as_posix(): path.read_text()
        for app in APPS
        for path in (settings.BASE_DIR / app).rglob("*.py")
    }

    assert _switching(sources) == SCHEMA_SWITCHERS


@pytest.mark.parametrize(
    "line",
    [
        "from django_tenants.utils import tenant_context",
        "    with schema_context('public'):",
        "connection.set_schema_to_public()",
        "connection.set_tenant(dealer)",
        "zone = connection.tenant.time_zone",
    ],
)
def test_the_check_catches_every_way_of_switching(line):
    assert _switching({"hotline/selectors.py": f"x = 1\n{line}\n"}) == {"hotline/selectors.py"}
