from django.core.management.base import BaseCommand

from config.demo import demo_load
from tenants.models import Manufacturer


class Command(BaseCommand):
    help = "Load the demo manufacturers, dealers, users, owners and vehicles (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Only when no manufacturer exists yet (the first start)"
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Manufacturer.objects.exists():
            self.stdout.write("Data present; demo data left as it is.")
            return
        added = demo_load(stdout=self.stdout if options["verbosity"] > 1 else None)
        if added:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({added} records added)."))
        else:
            self.stdout.write("Demo data already complete; nothing added.")
