from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from tenants.selectors import portal_url
from tenants.services.provisioning import manufacturer_create

from ._errors import command_error


class Command(BaseCommand):
    help = "Create a manufacturer with its customer-service centre (hotline tenant)."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="Manufacturer code, e.g. HQ")
        parser.add_argument("--name", required=True, help="Name, e.g. 华骐汽车")
        parser.add_argument("--name-en", default="")
        parser.add_argument(
            "--slug", required=True, help="Hotline host label: <slug>.<BASE_DOMAIN>, e.g. huaqi"
        )
        parser.add_argument("--prefix", required=True, help="Work order number prefix, e.g. HQ")
        parser.add_argument("--time-zone", default="Asia/Shanghai")
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            help="An extra host name for the hotline portal (repeatable)",
        )

    def handle(self, *args, **o):
        try:
            manufacturer = manufacturer_create(
                code=o["code"],
                name=o["name"],
                name_en=o["name_en"],
                slug=o["slug"],
                work_order_prefix=o["prefix"],
                time_zone=o["time_zone"],
                domains=o["domain"],
            )
        except ValidationError as exc:
            raise command_error(exc) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created {manufacturer.name}: {portal_url(manufacturer.hotline)}")
        )
