"""The dealer portal: the inbox across every network, one work order and the dealer's actions.

Everything about the manufacturers' work orders goes through ``DealerGateway``,
the one door to the hotline schemas; a work order not routed here is a 404.
The actions and their forms come from ``dealers/actions.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.portal import actor_of, apply_errors, live_page
from hotline.models import MAX_PART_LINES, OPEN_STATES, StockCheck
from tenants.permissions import may
from tenants.selectors import networks_of_dealer, staff_of

from ..actions import DEALER_ACTIONS
from ..gateway import DealerGateway, DealerWorkOrder
from .forms import InboxFilter


def _staff(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (str(m.user_id), f"{m.user.get_full_name() or m.user.username} · {m.get_role_display()}")
        for m in staff_of(request.tenant)
    ]


@login_required
@live_page
def inbox(request: HttpRequest) -> HttpResponse:
    """Open work orders from every network, most urgent first; filters and "assigned to me"."""
    form = InboxFilter(request.GET or None)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    rows = DealerGateway(request.tenant).inbox(
        open_only=not values.get("closed"),
        assignee_id=request.user.pk if values.get("mine") else None,
        state=values.get("state") or "",
        severity=values.get("severity") or "",
        overdue=bool(values.get("overdue")),
        q=values.get("q") or "",
    )
    names = dict(_staff(request))
    for row in rows:
        row.assignee = names.get(str(row.assignee_id), "")
    return render(
        request,
        "dealers/inbox.html",
        {
            "form": form,
            "rows": rows,
            "filtered": bool(request.GET),
            "networks": networks_of_dealer(request.tenant),
        },
    )


def _part_line_rows(lines: list[dict[str, Any]], line_errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "values": line,
            "errors": {f: line_errors.get(f"{i}.{f}", []) for f in ("part_code", "part_name", "quantity")},
        }
        for i, line in enumerate(lines, start=1)
    ]


def _context(request: HttpRequest, view: DealerWorkOrder, **forms: Any) -> dict[str, Any]:
    staff = _staff(request)
    names = dict(staff)
    wo = view.work_order
    for note in view.notes:
        note.author = names.get(str(note.author_id), "")
    lines = [
        {"part_code": p.part_code, "part_name": p.part_name, "quantity": p.quantity} for p in view.part_lines
    ]
    return {
        "view": view,
        "wo": wo,
        "events": view.events,
        "clocks": view.clocks,
        "parts_requests": view.parts_requests,
        "assignee": names.get(str(view.assignment.assignee_id), "") if view.assignment else "",
        "is_open": wo.state in OPEN_STATES,
        "max_lines": MAX_PART_LINES,
        "request_lines": forms.get("request_lines", _part_line_rows(lines, {})),
        "request_line_errors": forms.get("request_line_errors"),
        **{
            f"{name}_form": forms.get(f"{name}_form") or action.form(staff=staff)
            for name, action in DEALER_ACTIONS.items()
        },
        "open_tab": forms.get("open_tab", ""),
        "parts_centre_needed": wo.stock_check == StockCheck.PARTS_CENTRE,
    }


@login_required
@live_page
def work_order_page(request: HttpRequest, manufacturer: str, number: str) -> HttpResponse:
    view = DealerGateway(request.tenant).work_order(manufacturer, number)
    return render(request, "dealers/work_order.html", _context(request, view))


@login_required
@require_POST
def work_order_action(request: HttpRequest, manufacturer: str, number: str, action: str) -> HttpResponse:
    """One of the declared dealer actions, with its form; bad input shows the page again."""
    declared = DEALER_ACTIONS.get(action)
    if declared is None:
        raise Http404
    gateway = DealerGateway(request.tenant)
    gateway.work_order(manufacturer, number)  # 404 before anything when not routed here
    if not may(request.membership.role, declared.permission):
        raise PermissionDenied
    form = declared.form(request.POST, staff=_staff(request))
    extra: dict[str, Any] = {}
    if form.is_valid():
        try:
            gateway.act(declared, manufacturer, number, actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            line_errors = apply_errors(form, exc, {"lines": None, "parts": None})
            if "lines" in form.cleaned_data:
                extra["request_lines"] = _part_line_rows(form.cleaned_data["lines"], line_errors)
                extra["request_line_errors"] = line_errors.get("all")
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            messages.error(request, str(exc))
        else:
            messages.success(request, str(declared.done))
            return redirect("work-order", manufacturer=manufacturer, number=number)
    view = gateway.work_order(manufacturer, number)
    return render(
        request,
        "dealers/work_order.html",
        _context(request, view, **{f"{action}_form": form, "open_tab": action}, **extra),
        status=400,
    )
