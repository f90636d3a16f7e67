"""Print the current two-factor code of a demo login's demo authenticator (the demo only)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.demo import DEMO_DEVICE


class Command(BaseCommand):
    help = "The current 6-digit code of a demo login (only its demo authenticator, whose secret is public)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, username: str = "", **options: object) -> None:
        device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE).first()
        if device is None:
            raise CommandError(f"{username} has no demo authenticator.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{code:0{device.digits}d}  (valid for {left} s)")
