"""The same first migration as in ``migrations_a``: phase b only adds the column."""

import importlib

Migration = importlib.import_module("bench.additive.migrations_a.0001_initial").Migration
