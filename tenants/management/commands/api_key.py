"""Make, list and revoke API keys: ``manage.py api_key create|list|revoke``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import ApiKey, AuthEventKind, PartsCentre, Tenant
from tenants.services.api_keys import api_key_create, api_key_revoke
from tenants.services.signin import auth_event_record

from ._errors import command_error


class Command(BaseCommand):
    help = "Make (shown once), list or revoke the API keys of a tenant."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a key and print it once")
        create.add_argument("--tenant", required=True, help="tenant slug")
        create.add_argument("--name", required=True)
        create.add_argument("--scope", choices=["read", "write"], default="read")
        create.add_argument("--parts-centre", help="parts-centre code (keys for a parts centre)")
        listing = sub.add_parser("list", help="list keys (prefix, kind, scope, last used)")
        listing.add_argument("--tenant", required=True)
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("--tenant", required=True)
        revoke.add_argument("prefix")

    def handle(self, *args: object, **options: object) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"no tenant {options['tenant']}")
        try:
            getattr(self, f"_{options['action']}")(tenant, options)
        except ValidationError as error:
            raise command_error(error) from error

    def _create(self, tenant: Tenant, options: dict) -> None:
        centre = None
        if options["parts_centre"]:
            centre = PartsCentre.objects.filter(
                code=options["parts_centre"], manufacturer__hotline=tenant
            ).first()
            if centre is None:
                raise CommandError(f"no parts centre {options['parts_centre']} for {tenant.slug}")
        issued = api_key_create(
            tenant=tenant, name=options["name"], scope=options["scope"], parts_centre=centre
        )
        auth_event_record(
            None, AuthEventKind.API_KEY_CREATED, tenant=tenant, prefix=issued.api_key.prefix,
            name=issued.api_key.name, scope=issued.api_key.scope, by_command=True,
        )  # fmt: skip
        self.stdout.write(f"prefix {issued.api_key.prefix}; the key (shown only now):")
        self.stdout.write(issued.secret)

    def _list(self, tenant: Tenant, options: dict) -> None:
        for key in ApiKey.objects.filter(tenant=tenant).select_related("parts_centre"):
            state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
            used = key.last_used_at.isoformat() if key.last_used_at else "never used"
            centre = key.parts_centre.code if key.parts_centre else "-"
            self.stdout.write(f"{key.prefix}\t{key.kind}\t{centre}\t{key.scope}\t{state}\t{used}\t{key.name}")

    def _revoke(self, tenant: Tenant, options: dict) -> None:
        key = api_key_revoke(tenant=tenant, prefix=options["prefix"])
        auth_event_record(
            None, AuthEventKind.API_KEY_REVOKED, tenant=tenant, prefix=key.prefix, by_command=True
        )
        self.stdout.write(f"revoked {key.prefix} at {key.revoked_at.isoformat()}")
