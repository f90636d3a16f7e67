"""Show the SLA policy of a manufacturer, or publish a new version from a JSON file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.services.clocks import clocks_recalculate
from hotline.services.policy import (
    WindowSpec,
    calendar_override_set,
    calendar_year_enter,
    policy_current,
    policy_publish,
)
from tenants.models import Manufacturer, Membership, User


class Command(BaseCommand):
    help = (
        "Show a manufacturer's SLA policy (--show), publish a new version from JSON "
        "(--publish FILE), set calendar dates (--holiday/--working-day DATE), mark a year's "
        "published schedule entered (--enter-year YEAR), or move "
        "running clocks onto the newest version (--recalculate). Changes need --as, a "
        "hotline administrator's user name, and are logged under that person."
    )

    def add_arguments(self, parser):
        parser.add_argument("--manufacturer", required=True, help="Manufacturer code")
        parser.add_argument("--as", dest="username", help="Hotline administrator's user name")
        parser.add_argument("--show", action="store_true")
        parser.add_argument("--publish", type=Path, metavar="FILE")
        parser.add_argument("--holiday", action="append", default=[], metavar="YYYY-MM-DD")
        parser.add_argument("--working-day", action="append", default=[], metavar="YYYY-MM-DD")
        parser.add_argument("--name", default="", help="Name of the dates, e.g. 元旦")
        parser.add_argument(
            "--enter-year",
            type=int,
            metavar="YEAR",
            help="The dates of YEAR's published schedule are entered",
        )
        parser.add_argument("--recalculate", action="store_true")

    def handle(self, *args, **o):
        manufacturer = Manufacturer.objects.select_related("hotline").filter(code=o["manufacturer"]).first()
        if manufacturer is None:
            raise CommandError(
                _("manufacturer: unknown manufacturer “%(code)s”.") % {"code": o["manufacturer"]}
            )
        actor = self._actor(manufacturer, o["username"]) if not o["show"] else None
        try:
            with tenant_context(manufacturer.hotline):
                if o["publish"]:
                    policy = policy_publish(actor=actor, **_read(o["publish"]))
                    self.stdout.write(f"published policy v{policy.version}")
                for value, working in [(d, False) for d in o["holiday"]] + [
                    (d, True) for d in o["working_day"]
                ]:
                    calendar_override_set(
                        actor=actor, day=_date(value), is_working_day=working, name=o["name"]
                    )
                if o["enter_year"]:
                    calendar_year_enter(actor=actor, year=o["enter_year"])
                    self.stdout.write(f"{o['enter_year']}: published schedule entered")
                if o["recalculate"]:
                    self.stdout.write(f"{clocks_recalculate(actor=actor)} running clocks moved")
                self._show()
        except (ValidationError, PermissionDenied) as exc:
            detail = (
                exc.message_dict if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") else exc
            )
            raise CommandError(_("Nothing was changed: %(detail)s") % {"detail": detail}) from exc

    def _actor(self, manufacturer: Manufacturer, username: str | None) -> Actor:
        user = User.objects.filter(username=username or "").first()
        membership = (
            Membership.objects.filter(user=user, tenant=manufacturer.hotline, is_active=True).first()
            if user
            else None
        )
        if membership is None:
            raise CommandError(
                _("as: give the user name of one of this manufacturer's hotline administrators.")
            )
        return Actor.of(user, membership)

    def _show(self) -> None:
        policy = policy_current()
        self.stdout.write(
            f"policy v{policy.version} ({policy.note}), business hours "
            f"{policy.business_opens:%H:%M}–{policy.business_closes:%H:%M}, "
            f"repeat window {policy.repeat_window_days} days"
        )
        for w in policy.windows.order_by("kind", "work_order_type", "severity", "category"):
            scope = "/".join(v for v in (w.work_order_type, w.severity, w.category) if v) or "all"
            self.stdout.write(
                f"  {w.kind:14} {scope:18} {w.minutes:6} min {w.calendar:15} "
                f"warn {w.warn_before} paused in {w.paused_in}"
            )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("Dates are written YYYY-MM-DD: “%(value)s”.") % {"value": value}) from exc


def _read(path: Path) -> dict:
    """{"windows": [{"kind", "minutes", "calendar", "warn_before", ...}], "note", ...}."""
    try:
        data = json.loads(path.read_text())
        windows = [
            WindowSpec(
                **{
                    **w,
                    "warn_before": tuple(w.get("warn_before", ())),
                    "paused_in": tuple(w.get("paused_in", ())),
                }
            )
            for w in data["windows"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CommandError(_("publish: the file is not a policy: %(error)s") % {"error": exc}) from exc
    result: dict = {"windows": windows, "note": data.get("note", "")}
    for name in ("business_opens", "business_closes"):
        if name in data:
            result[name] = dt.time.fromisoformat(data[name])
    if "repeat_window_days" in data:
        result["repeat_window_days"] = data["repeat_window_days"]
    return result
