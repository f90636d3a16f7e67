from django.apps import AppConfig

from .converters import converters_register


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Project"

    def ready(self) -> None:
        converters_register()  # the URL converters, before any URLconf is read
