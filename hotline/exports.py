"""The hotline's background exports: the complaint register (with each conclusion) and the KPI workbook.

Registered as background jobs (``tenants/jobs.py``) when the app is ready; each
runs in the hotline's schema on a worker and writes its file row by row, so a
register of a million work orders takes memory for one page only.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.exports import cell_safe, table_write
from tenants.jobs import JobKind, JobResult, Progress, job_kind_register
from tenants.models import BackgroundJob

from .models import Conclusion, PartLine
from .selectors import KPI_GROUPS, board_work_orders_sorted, conclusion_breakdown, kpi_rows, kpi_totals
from .services.clocks import tenant_time_zone
from .views.forms import BoardFilter, board_filters_of

PAGE = 2000


def _format(data: QueryDict | dict) -> str:
    return "xlsx" if data.get("format") == "xlsx" else "csv"


def register_params(data: QueryDict | dict) -> dict[str, Any]:
    """The board's filters as the person set them, and its sort (text, bounded: the run reads them
    through the board's own filter form, as the board does)."""
    params: dict[str, Any] = {
        name: str(data.get(name) or "")[:100] for name in BoardFilter.base_fields if data.get(name)
    }
    params["format"] = _format(data)
    return params


def _register_headers() -> list[str]:
    return [
        str(h)
        for h in (
            _lazy("Number"),
            _lazy("Received"),
            _lazy("Type"),
            _lazy("Category"),
            _lazy("Severity"),
            _lazy("Channel"),
            _lazy("State"),
            _lazy("Dealer code"),
            _lazy("Dealer"),
            _lazy("Owner"),
            _lazy("Mobile"),
            _lazy("City"),
            _lazy("VIN"),
            _lazy("Licence plate"),
            _lazy("Model"),
            _lazy("Complaint"),
            _lazy("What the owner demands"),
            _lazy("When it happened"),
            _lazy("Complainant"),
            _lazy("Complainant's phone"),
            _lazy("Preferred contact time"),
            _lazy("Sales contract number"),
            _lazy("Sales consultant"),
            _lazy("Repair order number"),
            _lazy("Service advisor"),
            _lazy("Repair team"),
            _lazy("Where the car stands"),
            _lazy("Arrival promised for"),
            _lazy("First contact"),
            _lazy("Resolved"),
            _lazy("Closed"),
            _lazy("Callback score"),
            _lazy("Repeat of"),
            _lazy("Reopened"),
            _lazy("Validity"),
            _lazy("Responsibility"),
            _lazy("Root cause"),
            _lazy("Remedy amount (CNY)"),
            _lazy("Review opinion"),
            _lazy("Missing parts"),
        )
    ]


def export_register(job: BackgroundJob, progress: Progress, folder: Path) -> JobResult:
    """Every work order matching the board's filters, one row each, with its part lines."""
    params = job.params
    _form, filters = board_filters_of(
        {k: v for k, v in params.items() if k != "format"} or None,
        manufacturer_id=job.tenant.manufacturer.pk,
        user_id=job.requested_by_id,
    )
    rows = board_work_orders_sorted(sort=params.get("sort", ""), **filters).select_related("repeat_of")
    total = rows.count()
    zone = zoneinfo.ZoneInfo(tenant_time_zone())

    def local(moment: dt.datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    def lines() -> Iterator[list[Any]]:
        done = 0
        page: list = []
        for work_order in rows.iterator(chunk_size=PAGE):
            page.append(work_order)
            if len(page) == PAGE:
                yield from _register_page(page, local)
                done += len(page)
                progress(done, total)
                page = []
        yield from _register_page(page, local)
        progress(total, total)

    path = table_write(
        folder / f"register-{job.pk}", _register_headers(), lines(), params.get("format", "csv")
    )
    stamp = job.created_at.astimezone(zone).strftime("%Y%m%d-%H%M")
    return JobResult(path, f"work-orders-{stamp}{path.suffix}", _("%(count)s work orders") % {"count": total})


def _register_page(page: list, local: Any) -> Iterator[list[Any]]:
    parts: dict[int, list[str]] = {}
    for line in PartLine.objects.filter(work_order__in=page).order_by("work_order_id", "line_no"):
        parts.setdefault(line.work_order_id, []).append(f"{line.part_code} {line.part_name} ×{line.quantity}")
    conclusions = {
        c.work_order_id: c
        for c in Conclusion.objects.filter(work_order__in=page).select_related("root_cause")
    }
    for wo in page:
        vehicle = wo.vehicle
        conclusion = conclusions.get(wo.pk)
        yield [
            wo.number,
            local(wo.received_at),
            wo.get_type_display(),
            wo.get_category_display(),
            wo.get_severity_display(),
            wo.get_channel_display(),
            wo.get_state_display(),
            wo.dealer_code,
            wo.dealer_name,
            wo.owner.name,
            wo.owner.mobile,
            wo.owner.city,
            vehicle.vin if vehicle else "",
            vehicle.plate if vehicle else "",
            vehicle.model if vehicle else "",
            wo.complaint,
            wo.owner_demand,
            local(wo.incident_at),
            wo.complainant_name,
            wo.complainant_phone,
            wo.preferred_contact_time,
            wo.sales_contract_number,
            wo.sales_consultant,
            wo.repair_order_number,
            wo.service_advisor,
            wo.repair_team,
            " ".join(
                filter(
                    None, [wo.location_province, wo.location_city, wo.location_district, wo.location_address]
                )
            ),
            local(wo.arrival_promised_at),
            local(wo.first_contact_at),
            local(wo.resolved_at),
            local(wo.closed_at),
            wo.satisfaction,
            wo.repeat_of.number if wo.repeat_of else "",
            wo.reopen_count,
            conclusion.get_validity_display() if conclusion else "",
            conclusion.get_responsibility_display() if conclusion else "",
            conclusion.root_cause.name if conclusion else "",
            conclusion.remedy_amount if conclusion else "",
            conclusion.review_opinion if conclusion else "",
            "; ".join(parts.get(wo.pk, [])),
        ]


KPI_KEYS = [
    "label",
    "total",
    "response_rate",
    "completion_rate",
    "overdue",
    "repeat_rate",
    "reopen_rate",
    "scored",
    "band_high",
    "band_mid",
    "band_low",
]


# A callback's score, 1–10, in the bands the manufacturers' manuals report (domain.md).
SATISFACTION_BANDS = (
    _lazy("8–10 fully satisfied"),
    _lazy("6–7 basically satisfied"),
    _lazy("1–5 unsatisfied"),
)


def kpi_headers() -> list[str]:
    """The KPI table's columns, on the page and in its files, in the order of ``KPI_KEYS``."""
    return [
        str(h)
        for h in (
            _lazy("Group"),
            _lazy("Work orders"),
            _lazy("Timely response %"),
            _lazy("Timely completion %"),
            _lazy("Overdue now"),
            _lazy("Repeat %"),
            _lazy("Reopen %"),
            _lazy("Callback scores"),
            *SATISFACTION_BANDS,
        )
    ]


CONCLUSION_KEYS = ["dimension_label", "label", "count", "share", "remedy_cost"]


def conclusion_headers() -> list[str]:
    """The conclusions' breakdown, on the KPI page and in its files, in the order of ``CONCLUSION_KEYS``."""
    return [
        str(h)
        for h in (
            _lazy("By"),
            _lazy("Group"),
            _lazy("Work orders"),
            _lazy("Share of concluded %"),
            _lazy("Remedy cost (CNY)"),
        )
    ]


def kpi_params(data: QueryDict | dict) -> dict[str, Any]:
    """The KPI page's period (dates, checked again by the run)."""
    return {name: str(data.get(name) or "")[:10] for name in ("since", "until")}


def export_kpis(job: BackgroundJob, progress: Progress, folder: Path) -> JobResult:
    """One sheet per grouping (dealer, region, category, week, month) of the period, the totals,
    and the conclusions by validity, responsibility, root cause and dealer with their remedy cost."""
    zone = zoneinfo.ZoneInfo(tenant_time_zone())
    today = dt.datetime.now(zone).date()
    since, until = _day(job.params.get("since")), _day(job.params.get("until"))
    until = until or today
    since = since or until - dt.timedelta(days=29)
    start = dt.datetime.combine(since, dt.time(), zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone)
    headers, keys = kpi_headers(), KPI_KEYS[1:]
    from openpyxl import Workbook  # a large package, loaded when a workbook is made or read

    book = Workbook(write_only=True)
    totals = book.create_sheet(str(_lazy("All")))
    totals.append(headers)
    figures = kpi_totals(since=start, until=end)
    totals.append([f"{since:%Y-%m-%d} – {until:%Y-%m-%d}", *(cell_safe(figures[k]) for k in keys)])
    for i, group in enumerate(KPI_GROUPS, start=1):
        sheet = book.create_sheet(group)
        sheet.append(headers)
        for row in kpi_rows(group=group, since=start, until=end, time_zone=zone):
            sheet.append([cell_safe(row["label"]), *(cell_safe(row[k]) for k in keys)])
        progress(i, len(KPI_GROUPS))
    sheet = book.create_sheet("conclusions")
    sheet.append(conclusion_headers())
    for row in conclusion_breakdown(since=start, until=end)["rows"]:
        sheet.append([cell_safe(row[k]) for k in CONCLUSION_KEYS])
    path = folder / f"kpis-{job.pk}.xlsx"
    book.save(path)
    return JobResult(path, f"kpis-{since:%Y%m%d}-{until:%Y%m%d}.xlsx")


def _day(value: Any) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2099, 12, 31) else None


def exports_register() -> None:
    job_kind_register(
        "export.work_orders",
        JobKind(_lazy("Complaint register"), export_register, "work_order.read", register_params),
    )
    job_kind_register("export.kpis", JobKind(_lazy("KPI workbook"), export_kpis, "kpis.read", kpi_params))
