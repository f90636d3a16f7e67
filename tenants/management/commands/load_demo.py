from django.core.management.base import BaseCommand

from tenants.models import Manufacturer
from tenants.services.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo manufacturers, dealers, users, owners and vehicles (idempotent)."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--if-empty", action="store_true",
                            help="Only when no manufacturer exists yet (the first start)")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        if options["if_empty"] and Manufacturer.objects.exists():
            return
        demo_load(stdout=self.stdout if options["verbosity"] > 1 else None)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
