"""A dealer-type app for the rollout tests only (``tests/tenants/rollout_settings.py``).

``ROLLOUT_PHASE`` picks its migrations: ``a`` one table; ``b`` adds an additive
migration (nullable column, column with a default, a new table, an index); ``c``
then adds a migration with ``RunPython``, which only the normal path may run.
"""
