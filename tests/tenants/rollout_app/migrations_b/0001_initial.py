"""Phase b starts from phase a's first migration."""

import importlib

Migration = importlib.import_module("tests.tenants.rollout_app.migrations_a.0001_initial").Migration
