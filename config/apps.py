from django.apps import AppConfig
from django.db.backends.signals import connection_created

from .converters import converters_register
from .database import session_settings_apply


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Project"

    def ready(self) -> None:
        converters_register()  # the URL converters, before any URLconf is read
        connection_created.connect(session_settings_apply, dispatch_uid="config.database")
