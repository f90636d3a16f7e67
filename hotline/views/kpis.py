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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.bounds import DayFormField
from config.exports import table_download
from tenants.permissions import may
from tenants.selectors import network_of_manufacturer

from ..exports import CONCLUSION_KEYS, KPI_KEYS, conclusion_headers, kpi_headers
from ..models import State
from ..satisfaction import (
    BANDS,
    callback_facts,
    failed_callbacks,
    figures_of,
    satisfaction_rows,
    weakest_items,
)
from ..selectors import conclusion_breakdown, kpi_rows, kpi_totals
from ..services.clocks import tenant_time_zone
from ..services.policy import KPI_TARGETS, kpi_targets, policy_current

GROUPS = [
    ("dealer", _("Dealer")),
    ("region", _("Region")),
    ("category", _("Category")),
    ("week", _("Week")),
    ("month", _("Month")),
]


SATISFACTION_BY = [
    ("dealer", _("Dealer")),
    ("region", _("Region")),
    ("agent", _("Hotline agent")),
    ("week", _("Week")),
    ("month", _("Month")),
]


class KpiFilter(forms.Form):
    group = forms.ChoiceField(label=_("Group by"), choices=GROUPS, required=False)
    by = forms.ChoiceField(label=_("Satisfaction by"), choices=SATISFACTION_BY, required=False)
    trend = forms.ChoiceField(
        label=_("Trend by"), choices=[("week", _("Week")), ("month", _("Month"))], required=False
    )
    since = DayFormField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = DayFormField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period is before its start."))
        return data


def satisfaction_headers(group_label: str) -> list[str]:
    return [
        group_label,
        *(
            str(h)
            for h in (
                _("Work orders"),
                _("Called back"),
                _("Reached"),
                _("Callback success %"),
                _("Scored callbacks"),
                _("Fully satisfied % (8–10)"),
                _("Basically satisfied % (6–7)"),
                _("Unsatisfied % (1–5)"),
                _("Closed — not verified"),
                _("Failed callbacks"),
            )
        ),
    ]


SATISFACTION_KEYS = [
    "label",
    "work_orders",
    "attempted",
    "reached",
    "success_rate",
    "scored",
    "high_rate",
    "mid_rate",
    "low_rate",
    "closed_unverified",
    "failed",
]


def failed_headers() -> list[str]:
    return [
        str(h)
        for h in (
            _("Work order"),
            _("Dealer"),
            _("State"),
            _("Attempts"),
            _("Last attempt"),
            _("Last outcome"),
            _("By"),
        )
    ]


def failed_table(failed: list[dict[str, Any]], zone: zoneinfo.ZoneInfo) -> list[list[Any]]:
    return [
        [
            f["number"],
            f"{f['dealer_code']} {f['dealer_name']}",
            str(State(f["state"]).label),
            f["attempts"],
            f"{f['last_at'].astimezone(zone):%Y-%m-%d %H:%M}",
            f["last_outcome_label"],
            f["last_party_label"],
        ]
        for f in failed
    ]


def bands_legend() -> list[dict[str, Any]]:
    """The satisfaction bands as the page writes them down."""
    names = {"high": _("Fully satisfied"), "mid": _("Basically satisfied"), "low": _("Unsatisfied")}
    return [{"name": name, "label": names[name], "lowest": lo, "highest": hi} for name, lo, hi in BANDS]


FAILED_ON_PAGE = 50


DEFAULT_DAYS = 30


def kpi_form(
    request: HttpRequest, zone: zoneinfo.ZoneInfo, form_class: type[forms.Form] = KpiFilter
) -> forms.Form:
    """The period form, on both portals: the last 30 days up to and including today (in the
    tenant's time zone) unless the reader chose, and the fields show the period in use."""
    today = timezone.now().astimezone(zone).date()
    data = request.GET.copy()
    if not data.get("since"):
        data["since"] = (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    if not data.get("until"):
        data["until"] = today.isoformat()
    return form_class(data)


def period(form: forms.Form, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime, str]:
    """[start, end) of the form's period in ``zone`` (its last day included), and the grouping."""
    today = timezone.now().astimezone(zone).date()
    data = form.cleaned_data if form.is_valid() else {}
    since = data.get("since") or today - dt.timedelta(days=DEFAULT_DAYS - 1)
    until = data.get("until") or today
    start = dt.datetime.combine(since, dt.time(), zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone)
    return start, end, data.get("group") or "dealer"


def against_targets(totals: dict[str, Any], targets: dict[str, float]) -> list[dict[str, Any]]:
    """Each targeted figure of the period: its value, its target, and whether it is met."""
    labels = {
        "response_rate": _("Timely response %"),
        "completion_rate": _("Timely completion %"),
        "repeat_rate": _("Repeat %"),
        "reopen_rate": _("Reopen %"),
        "high_share": _("Fully satisfied (8–10) %"),
    }
    scored = totals.get("scored") or 0
    figures = {**totals, "high_share": round(100 * totals["band_high"] / scored, 1) if scored else None}
    out = []
    for name, (way, _default) in KPI_TARGETS.items():
        value, target = figures.get(name), targets[name]
        met = None if value is None else (value >= target if way == "min" else value <= target)
        out.append(
            {"name": name, "label": labels[name], "value": value, "target": target, "way": way, "met": met}
        )
    return out


def drill_of(group: str, key: str, dealer_ids: dict[str, int]) -> dict[str, Any]:
    """The board's filters for the work orders behind a row of ``kpi_rows`` (its period apart)."""
    if group == "dealer":
        return {"dealer": dealer_ids.get(key, "")}
    if group == "region":
        return {"region": key}
    if group == "category":
        return {"category": key}
    first = dt.date.fromisoformat(key)
    if group == "week":
        last = first + dt.timedelta(days=6)
    else:
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return {"received_from": first.isoformat(), "received_to": last.isoformat()}


def trend_rows(rows: list[dict[str, Any]], targets: dict[str, float]) -> list[dict[str, Any]]:
    """The period week by week (or month by month), each figure with its change on the one before."""
    out, previous = [], None
    for row in rows:
        change = {}
        for name in ("response_rate", "completion_rate", "repeat_rate", "reopen_rate"):
            if previous is not None and row[name] is not None and previous[name] is not None:
                change[name] = round(row[name] - previous[name], 1)
        out.append(
            {
                **row,
                "change": change,
                "response_met": row["response_rate"] is not None
                and row["response_rate"] >= targets["response_rate"],
            }
        )
        previous = row
    return out


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
    form = kpi_form(request, zone)
    start, end, group = period(form, zone)
    trend = (form.cleaned_data.get("trend") if form.is_valid() else "") or "week"
    rows = kpi_rows(group=group, since=start, until=end, time_zone=zone)
    dealer_ids = {m.dealer_code: m.dealer_id for m in network_of_manufacturer(request.tenant.manufacturer.pk)}
    row_links = [(row, drill_of(group, row["key"], dealer_ids)) for row in rows]
    totals = kpi_totals(since=start, until=end)
    targets = kpi_targets(policy_current())
    trends = trend_rows(kpi_rows(group=trend, since=start, until=end, time_zone=zone), targets)
    for row in trends:
        row["drill"] = drill_of(trend, row["key"], dealer_ids)
    by = (form.cleaned_data.get("by") if form.is_valid() else "") or "dealer"
    facts = callback_facts(since=start, until=end)
    sat_rows = satisfaction_rows(facts, group=by, time_zone=zone)
    sat_headers = satisfaction_headers(str(dict(SATISFACTION_BY)[by]))
    failed = failed_callbacks(facts)
    export, fmt = request.GET.get("export"), request.GET.get("format", "csv")
    stamp = f"{start:%Y%m%d}-{(end - dt.timedelta(days=1)):%Y%m%d}"
    if export == "kpis":
        return table_download(
            f"kpis-{group}-{stamp}", kpi_headers(), [[r[k] for k in KPI_KEYS] for r in rows], fmt
        )
    if export == "satisfaction":
        return table_download(
            f"satisfaction-{by}-{stamp}",
            sat_headers,
            [[r[k] for k in SATISFACTION_KEYS] for r in sat_rows],
            fmt,
        )
    conclusions = conclusion_breakdown(since=start, until=end)
    if export == "conclusions":
        return table_download(
            f"conclusions-{stamp}",
            conclusion_headers(),
            [[r[k] for k in CONCLUSION_KEYS] for r in conclusions["rows"]],
            fmt,
        )
    if export == "failed":
        return table_download(f"failed-callbacks-{stamp}", failed_headers(), failed_table(failed, zone), fmt)
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
            "row_links": row_links,
            "targets": against_targets(totals, targets),
            "trends": trends,
            "trend": trend,
            "satisfaction": figures_of(facts),
            "sat_rows": sat_rows,
            "sat_headers": sat_headers,
            "bands": bands_legend(),
            "weakest": weakest_items(facts),
            "failed": [
                {**f, "link": reverse("work-order", args=[f["number"]])} for f in failed[:FAILED_ON_PAGE]
            ],
            "failed_count": len(failed),
            "conclusions": conclusions,
            "drill": f"state=all&received_from={start.date().isoformat()}"
            f"&received_to={(end - dt.timedelta(days=1)).date().isoformat()}",
        },
    )
