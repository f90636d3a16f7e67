from django.core.management.base import BaseCommand

from config.migration import rollout_error
from tenants.services.schemas import migrations_roll_out


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the per-type template schemas, then every tenant schema that "
        "has migrations to apply: purely additive migrations as SQL rendered once from the template "
        "and applied in batches, everything else through Django's executor, in parallel. A failing "
        "schema is reported and the others carry on; run again to resume."
    )

    def add_arguments(self, parser):
        parser.add_argument("--executor", default="multiprocessing", choices=["standard", "multiprocessing"])
        parser.add_argument(
            "--no-fast-path",
            action="store_true",
            help="Migrate every lagging schema through Django's executor, even purely additive migrations",
        )

    def handle(self, *args, **options):
        report = migrations_roll_out(
            executor=options["executor"],
            verbosity=options["verbosity"],
            fast_path=not options["no_fast_path"],
            stdout=self.stdout._out,
            stderr=self.stderr._out,
        )
        error = rollout_error(report)
        if error:
            raise error
