"""The administration pages' banner: next year's calendar is still provisional (from 1 October)."""

from __future__ import annotations

import zoneinfo

from django import template
from django.utils import timezone

from ..services.clocks import tenant_time_zone
from ..services.policy import calendar_next_year_provisional

register = template.Library()


@register.inclusion_tag("hotline/admin/_calendar_notice.html")
def calendar_provisional_notice() -> dict[str, int | None]:
    today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(tenant_time_zone()))
    return {"year": calendar_next_year_provisional(today)}
