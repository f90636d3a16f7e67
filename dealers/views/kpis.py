"""The dealer's own figures: its rates and overdue per network, satisfaction per service advisor."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.exports import table_download
from hotline.exports import SATISFACTION_BANDS
from hotline.views.kpis import kpi_form, period
from tenants.permissions import may

from ..gateway import DealerGateway
from .work_orders import _staff


@login_required
def kpis(request: HttpRequest) -> HttpResponse:
    if not may(request.membership.role, "dealer.kpis.read"):
        raise PermissionDenied
    zone = zoneinfo.ZoneInfo(getattr(request.tenant, "time_zone", "") or settings.TIME_ZONE)
    form = kpi_form(request, zone)
    form.fields.pop("group")
    form.fields.pop("trend")
    start, end, _group = period(form, zone)
    rows = DealerGateway(request.tenant).kpis(since=start, until=end, time_zone=zone)
    names = dict(_staff(request))
    scores: dict[str, list[int]] = {}
    for row in rows:
        for user_id, values in row["by_assignee"].items():
            name = names.get(str(user_id), "") if user_id else _("Not assigned")
            scores.setdefault(name or str(user_id), []).extend(values)
    advisors = [
        {
            "name": name,
            "count": len(v),
            "average": round(sum(v) / len(v), 1),
            "high": sum(1 for s in v if s >= 8),
            "mid": sum(1 for s in v if 6 <= s < 8),
            "low": sum(1 for s in v if s < 6),
        }
        for name, v in sorted(scores.items())
    ]
    headers = [
        _("Manufacturer"),
        _("Work orders"),
        _("Timely response %"),
        _("Timely completion %"),
        _("Overdue now"),
        _("Repeat %"),
        _("Reopen %"),
        *SATISFACTION_BANDS,
    ]
    table = [
        [
            r["manufacturer"],
            r["total"],
            r["response_rate"],
            r["completion_rate"],
            r["overdue"],
            r["repeat_rate"],
            r["reopen_rate"],
            r["band_high"],
            r["band_mid"],
            r["band_low"],
        ]
        for r in rows
    ]
    advisor_headers = [
        _("Assigned to"),
        _("Callback scores"),
        _("Average score"),
        *SATISFACTION_BANDS,
    ]
    advisor_table = [[a["name"], a["count"], a["average"], a["high"], a["mid"], a["low"]] for a in advisors]
    export, fmt = request.GET.get("export"), request.GET.get("format", "csv")
    if export == "kpis":
        return table_download(f"kpis-{request.tenant.slug}", headers, table, fmt)
    if export == "advisors":
        return table_download(f"satisfaction-{request.tenant.slug}", advisor_headers, advisor_table, fmt)
    return render(
        request,
        "dealers/kpis.html",
        {
            "form": form,
            "headers": headers,
            "table": table,
            "advisor_headers": advisor_headers,
            "advisor_table": advisor_table,
            "query": request.GET.urlencode(),
            "since": start.date(),
            "until": (end - dt.timedelta(days=1)).date(),
        },
    )
