"""The hotline portal's parts pages: the parts-centre turnaround as a download."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from config.exports import table_download
from hotline.services.clocks import tenant_time_zone
from hotline.views.kpis import KpiFilter, period

from .selectors import parts_centre_turnaround
from .templatetags.parts import turnaround_headers


@login_required
def turnaround_download(request: HttpRequest) -> HttpResponse:
    """The KPI page's parts-centre table for its period, as CSV or XLSX."""
    start, end, _group = period(KpiFilter(request.GET or None), zoneinfo.ZoneInfo(tenant_time_zone()))
    centres = parts_centre_turnaround(since=start, until=end)
    rows = [[c["label"], c["requests"], c["shipped"], c["hours"], c["back_ordered"]] for c in centres]
    stamp = f"{start:%Y%m%d}-{(end - dt.timedelta(days=1)):%Y%m%d}"
    return table_download(
        f"parts-centres-{stamp}", turnaround_headers(), rows, request.GET.get("format", "csv")
    )
