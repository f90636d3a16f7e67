"""The Celery app. Tasks run in the schema of the tenant that sent them (tenant-schemas-celery).

Each app keeps its tasks in ``<app>/tasks.py`` (found by ``autodiscover_tasks``);
services queue them by name on commit (``tenants.context.enqueue_on_commit``).
"""

import os

from celery import bootsteps
from tenant_schemas_celery.app import CeleryApp

from config.heartbeat import heartbeat
from config.tasks import TASK_CLASS

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("complaint_desk", task_cls=TASK_CLASS)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_SECONDS = 10.0


class Heartbeat(bootsteps.StartStopStep):
    """The worker touches its heartbeat file from its timer: a wedged worker stops touching it."""

    requires = {"celery.worker.components:Timer"}

    def start(self, worker) -> None:
        heartbeat("worker")
        self.entry = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, heartbeat, ("worker",))

    def stop(self, worker) -> None:
        if getattr(self, "entry", None) is not None:
            self.entry.cancel()


app.steps["worker"].add(Heartbeat)
