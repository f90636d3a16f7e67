"""The task class every Celery task of the project runs as.

tenant-schemas-celery switches the connection to the schema named in a task's headers before the
task runs; when that tenant no longer exists (deleted after the task was queued), its switch
fails, is only logged, and the task would run in the public schema. Here such a task is dropped
with a warning instead: nothing of a tenant ever runs outside its schema.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection
from tenant_schemas_celery.app import get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

logger = logging.getLogger(__name__)

# What the Celery app is made with (config.celery, and the tests' workers).
TASK_CLASS = "config.tasks:SchemaTask"


class SchemaTask(TenantTask):
    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        schema = get_schema_name_from_task(self, kwargs)
        if schema and connection.schema_name != schema:
            logger.warning(
                "task %s (%s) dropped: its tenant's schema %r no longer exists",
                self.name,
                self.request.id,
                schema,
            )
            return None
        return super().__call__(*args, **kwargs)
