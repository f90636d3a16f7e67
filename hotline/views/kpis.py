"""The manufacturer's KPIs: rates, overdue, repeats, reopens, satisfaction, parts turnaround."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.bounds import DayFormField
from config.exports import table_download
from tenants.permissions import may

from ..exports import KPI_KEYS, kpi_headers
from ..selectors import kpi_rows, kpi_totals
from ..services.clocks import tenant_time_zone

GROUPS = [
    ("dealer", _("Dealer")),
    ("region", _("Region")),
    ("category", _("Category")),
    ("week", _("Week")),
    ("month", _("Month")),
]


class KpiFilter(forms.Form):
    group = forms.ChoiceField(label=_("By"), choices=GROUPS, required=False)
    since = DayFormField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = DayFormField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period is before its start."))
        return data


def period(form: forms.Form, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime, str]:
    today = timezone.now().astimezone(zone).date()
    data = form.cleaned_data if form.is_valid() else {}
    since = data.get("since") or today - dt.timedelta(days=29)
    until = data.get("until") or today
    start = dt.datetime.combine(since, dt.time(), zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone)
    return start, end, data.get("group") or "dealer"


def chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars for an SVG drawn by the template: two per group (response, completion), 0–100 %."""
    bars = []
    for i, row in enumerate(rows):
        y = 34 + i * 34
        bars.append(
            {
                "label": row["label"],
                "y": y,
                "text_y": y + 16,
                "response_y": y + 2,
                "completion_y": y + 16,
                "response": row["response_rate"],
                "completion": row["completion_rate"],
                "response_w": round(3.6 * (row["response_rate"] or 0), 1),
                "completion_w": round(3.6 * (row["completion_rate"] or 0), 1),
            }
        )
    return {"bars": bars, "height": 40 + 34 * len(rows)}


@login_required
def kpis(request: HttpRequest) -> HttpResponse:
    if not may(request.membership.role, "kpis.read"):
        raise PermissionDenied
    zone = zoneinfo.ZoneInfo(tenant_time_zone())
    form = KpiFilter(request.GET or None)
    start, end, group = period(form, zone)
    rows = kpi_rows(group=group, since=start, until=end, time_zone=zone)
    totals = kpi_totals(since=start, until=end)
    export, fmt = request.GET.get("export"), request.GET.get("format", "csv")
    stamp = f"{start:%Y%m%d}-{(end - dt.timedelta(days=1)):%Y%m%d}"
    if export == "kpis":
        return table_download(
            f"kpis-{group}-{stamp}", kpi_headers(), [[r[k] for k in KPI_KEYS] for r in rows], fmt
        )
    return render(
        request,
        "hotline/kpis.html",
        {
            "form": form,
            "rows": rows,
            "totals": totals,
            "period_start": start,
            "period_end": end,
            "headers": kpi_headers(),
            "chart": chart(rows),
            "query": request.GET.urlencode(),
            "since": start.date(),
            "until": (end - dt.timedelta(days=1)).date(),
        },
    )
