from django.core.management.base import BaseCommand

from tenants.services.schemas import migrations_roll_out


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the per-type template schemas, then every tenant "
        "schema that has migrations to apply (in parallel)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--executor", default="multiprocessing", choices=["standard", "multiprocessing"])

    def handle(self, *args, **options):
        migrations_roll_out(executor=options["executor"], verbosity=options["verbosity"])
