from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = "Customer-service centre"

    def ready(self) -> None:
        from .exports import exports_register  # its models are ready only now

        exports_register()
