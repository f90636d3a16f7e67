import os

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _log_post_migrate(sender, using, **kwargs) -> None:
    """One line per post_migrate signal, naming the schema it was sent in."""
    from django.db import connections

    path = os.environ.get("ROLLOUT_SIGNAL_LOG")
    if path:
        with open(path, "a") as log:
            log.write(f"{connections[using].schema_name}\n")


class RolloutAppConfig(AppConfig):
    name = "tests.tenants.rollout_app"
    label = "rollout_app"

    def ready(self) -> None:
        post_migrate.connect(_log_post_migrate, sender=self)
