from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from tenants.selectors import portal_url
from tenants.services.provisioning import DealerSpec, dealer_provision

from ._errors import command_error


class Command(BaseCommand):
    help = (
        "Create a dealer tenant and join it to a manufacturer's network; an existing "
        "dealer (same --slug) joins one more network."
    )

    def add_arguments(self, parser):
        parser.add_argument("--manufacturer", required=True, help="Manufacturer code")
        parser.add_argument("--dealer-code", required=True, help="Code in that network")
        parser.add_argument("--slug", required=True, help="Dealer host label")
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", required=True, help="Region code in that network")
        parser.add_argument("--province", required=True)
        parser.add_argument("--city", required=True)
        parser.add_argument("--inactive", action="store_true")
        parser.add_argument("--time-zone", default="Asia/Shanghai")

    def handle(self, *args, **o):
        spec = DealerSpec(
            manufacturer=o["manufacturer"],
            dealer_code=o["dealer_code"],
            slug=o["slug"],
            name=o["name"],
            region=o["region"],
            province=o["province"],
            city=o["city"],
            is_active=not o["inactive"],
            time_zone=o["time_zone"],
        )
        try:
            membership = dealer_provision(spec)
        except ValidationError as exc:
            raise command_error(exc) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{membership.dealer.name} is dealer {membership.dealer_code} of "
                f"{membership.manufacturer.name}: {portal_url(membership.dealer)}"
            )
        )
