"""The dealer's own figures: its rates and overdue per network; satisfaction from callbacks
per network and per service advisor, the weakest questionnaire items, the failed callbacks."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.exports import table_download
from hotline.exports import SATISFACTION_BANDS
from hotline.views.kpis import (
    FAILED_ON_PAGE,
    SATISFACTION_KEYS,
    bands_legend,
    failed_headers,
    failed_table,
    kpi_form,
    period,
    satisfaction_headers,
)
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
    form.fields.pop("by")
    start, end, _group = period(form, zone)
    rows = DealerGateway(request.tenant).kpis(since=start, until=end, time_zone=zone)
    sat = DealerGateway(request.tenant).satisfaction(since=start, until=end)
    names = dict(_staff(request))
    sat_rows = [
        {
            "key": str(user_id or ""),
            "label": names.get(str(user_id), str(user_id)) if user_id else _("Not assigned"),
            **figures,
        }
        for user_id, figures in sat["by_advisor"]
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
    sat_headers = satisfaction_headers(_("Service advisor"))
    failed = [
        {
            **f,
            "link": reverse("work-order", args=[f["manufacturer_code"], f["number"]]),
            "dealer_name": f["manufacturer"],
            "dealer_code": "",
        }
        for f in sat["failed"]
    ]
    export, fmt = request.GET.get("export"), request.GET.get("format", "csv")
    if export == "kpis":
        return table_download(f"kpis-{request.tenant.slug}", headers, table, fmt)
    if export == "satisfaction":
        return table_download(
            f"satisfaction-{request.tenant.slug}",
            sat_headers,
            [[r[k] for k in SATISFACTION_KEYS] for r in sat_rows],
            fmt,
        )
    if export == "failed":
        return table_download(
            f"failed-callbacks-{request.tenant.slug}", failed_headers(), failed_table(failed, zone), fmt
        )
    return render(
        request,
        "dealers/kpis.html",
        {
            "form": form,
            "headers": headers,
            "table": table,
            "satisfaction": sat["totals"],
            "per_manufacturer": sat["per_manufacturer"],
            "sat_rows": sat_rows,
            "sat_headers": sat_headers,
            "bands": bands_legend(),
            "weakest": sat["weakest"],
            "failed": failed[:FAILED_ON_PAGE],
            "failed_count": len(failed),
            "query": request.GET.urlencode(),
            "since": start.date(),
            "until": (end - dt.timedelta(days=1)).date(),
        },
    )
