"""Phase c keeps phase b's additive migration."""

import importlib

Migration = importlib.import_module("tests.tenants.rollout_app.migrations_b.0002_additive").Migration
