"""Print each hotline's URL for the SMS provider's reply push (上行短信回调地址)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notifications.sms import REPLY_PARSERS, sms_reply_token
from tenants.models import Tenant, TenantType
from tenants.selectors import portal_url


class Command(BaseCommand):
    help = "Print every hotline's reply URL per SMS provider (keep them secret)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", nargs="?", help="only this hotline")
        parser.add_argument("--provider", choices=sorted(REPLY_PARSERS), help="only this provider")

    def handle(
        self, *args: object, slug: str | None = None, provider: str | None = None, **options: object
    ) -> None:
        hotlines = Tenant.objects.filter(type=TenantType.HOTLINE).order_by("slug")
        if slug:
            hotlines = hotlines.filter(slug=slug)
        if sms_reply_token("") is None:
            raise CommandError("SMS_REPLY_SECRET is not set: replies are refused until it is.")
        for tenant in hotlines:
            token = sms_reply_token(tenant.schema_name)
            for name in sorted(REPLY_PARSERS):
                if provider in (None, name):
                    self.stdout.write(
                        f"{tenant.slug}\t{name}\t{portal_url(tenant, f'/sms/replies/{name}/{token}/')}"
                    )
