from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.models import PartsCentre, Role, Tenant, User
from tenants.services.provisioning import membership_grant, user_create

from ._errors import command_error


class Command(BaseCommand):
    help = (
        "Create a user (or take an existing one) and give them a role in a tenant: "
        "--grant <tenant slug>:<role>, repeatable (parts-centre staff: "
        "<hotline slug>:parts_centre_staff:<centre code>). Roles: " + ", ".join(Role.values)
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="Required for a new user")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--grant", action="append", default=[], metavar="SLUG:ROLE[:CENTRE]")

    def handle(self, *args, **o):
        grants = []
        for grant in o["grant"]:
            slug, _sep, role = grant.partition(":")
            role, _sep, centre_code = role.partition(":")
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None:
                raise CommandError(_("grant: unknown tenant “%(slug)s”.") % {"slug": slug})
            centre = None
            if centre_code:
                centre = PartsCentre.objects.filter(manufacturer__hotline=tenant, code=centre_code).first()
                if centre is None:
                    raise CommandError(_("grant: unknown parts centre “%(code)s”.") % {"code": centre_code})
            grants.append((tenant, role, centre))
        try:
            with transaction.atomic():
                user = User.objects.filter(username=o["username"]).first()
                if user is None:
                    user = user_create(
                        username=o["username"],
                        password=o["password"] or "",
                        full_name=o["full_name"],
                        email=o["email"],
                    )
                for tenant, role, centre in grants:
                    membership_grant(user=user, tenant=tenant, role=role, parts_centre=centre)
        except ValidationError as exc:
            raise command_error(exc) from exc
        self.stdout.write(self.style.SUCCESS(f"{user.username}: {len(grants)} role(s) granted"))
