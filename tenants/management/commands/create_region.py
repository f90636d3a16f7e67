from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenants.models import Manufacturer, PartsCentre
from tenants.services.provisioning import parts_centre_create, region_create

from ._errors import command_error


class Command(BaseCommand):
    help = (
        "Create a region of a manufacturer's network, optionally with the parts centre "
        "that serves it (created if new)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--manufacturer", required=True, help="Manufacturer code")
        parser.add_argument("--code", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--parts-centre", help="Code of the parts centre serving the region")
        parser.add_argument("--parts-centre-name", help="Name, when the parts centre is new")

    def handle(self, *args, **o):
        manufacturer = Manufacturer.objects.filter(code=o["manufacturer"]).first()
        if manufacturer is None:
            raise CommandError(
                _("manufacturer: unknown manufacturer “%(code)s”.") % {"code": o["manufacturer"]}
            )
        try:
            centre = None
            if o["parts_centre"]:
                centre = PartsCentre.objects.filter(manufacturer=manufacturer, code=o["parts_centre"]).first()
                if centre is None:
                    if not o["parts_centre_name"]:
                        raise CommandError(_("parts-centre-name: required for a new parts centre."))
                    centre = parts_centre_create(
                        manufacturer=manufacturer, code=o["parts_centre"], name=o["parts_centre_name"]
                    )
            region = region_create(
                manufacturer=manufacturer, code=o["code"], name=o["name"], parts_centre=centre
            )
        except ValidationError as exc:
            raise command_error(exc) from exc
        self.stdout.write(self.style.SUCCESS(f"Created region {region.code} ({region.name})"))
