"""Settings for the rollout tests' child processes: the test settings plus one dealer-type app.

The tests run ``manage.py migrate_tenants`` as an operator would, in a child process
against a database of their own (``DATABASE_URL``); ``ROLLOUT_PHASE`` selects which
of the app's migrations exist (``rollout_app/__init__.py``).
"""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS, TENANT_TYPES

TENANT_TYPES["dealer"]["APPS"] = [*TENANT_TYPES["dealer"]["APPS"], "tests.tenants.rollout_app"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenants.rollout_app"]
MIGRATION_MODULES = {
    "rollout_app": f"tests.tenants.rollout_app.migrations_{os.environ.get('ROLLOUT_PHASE', 'a')}"
}
LANGUAGE_CODE = "en"  # the tests read the command's report
