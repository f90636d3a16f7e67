"""Settings for the benchmarks: a database of their own, one extra dealer-type app, trivial endpoints.

``BENCH_PHASE=b`` adds that app's second migration (a nullable column).
"""

import os

from config import embedded

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = embedded.postgres_url("complaint_desk_bench")

from config.settings.local import *  # noqa: F403
from config.settings.local import TENANT_TYPES

DEBUG = False
LOGGING["loggers"]["config.migration"] = {"level": "WARNING"}  # noqa: F405
TENANT_TYPES["dealer"]["APPS"] = [*TENANT_TYPES["dealer"]["APPS"], "bench.additive"]
TENANT_TYPES["public"]["URLCONF"] = "bench.urls_public"
TENANT_TYPES["dealer"]["URLCONF"] = "bench.urls_dealer"
TENANT_TYPES["hotline"]["URLCONF"] = "bench.urls_hotline"
INSTALLED_APPS = [*INSTALLED_APPS, "bench.additive"]  # noqa: F405
MIGRATION_MODULES = {"bench_additive": f"bench.additive.migrations_{os.environ.get('BENCH_PHASE', 'a')}"}
ALLOWED_HOSTS = ["*"]
WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # bench/outbound.py's slow receiver
WEBHOOKS_REQUIRE_HTTPS = False
