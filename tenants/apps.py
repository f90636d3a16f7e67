from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants, networks and identities"

    def ready(self) -> None:
        from .directory_job import directory_job_register  # its models are ready only now

        directory_job_register()
