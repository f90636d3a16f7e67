"""The dealer portal: the inbox across every network, one work order and the dealer's actions.

Everything about the manufacturers' work orders goes through ``DealerGateway``,
the one door to the hotline schemas; a work order not routed here is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.portal import actor_of, apply_errors, live_page
from hotline.models import MAX_PART_LINES, OPEN_STATES, StockCheck
from tenants.models import Membership
from tenants.selectors import networks_of_dealer

from ..gateway import DealerGateway
from .forms import (
    AssignForm,
    ContactForm,
    ExtensionForm,
    InboxFilter,
    NoteForm,
    PartsReceivedForm,
    PartsRequestForm,
    ResolveForm,
    StockCheckForm,
    TransferForm,
)


def _staff(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (str(m.user_id), f"{m.user.get_full_name() or m.user.username} · {m.get_role_display()}")
        for m in Membership.objects.filter(tenant=request.tenant, is_active=True)
        .select_related("user")
        .order_by("user__username")
    ]


@login_required
@live_page
def inbox(request: HttpRequest) -> HttpResponse:
    """Open work orders from every network, most urgent first; filters and "assigned to me"."""
    form = InboxFilter(request.GET or None)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    gateway = DealerGateway(request.tenant)
    rows = gateway.inbox(
        open_only=not values.get("closed"), assignee_id=request.user.pk if values.get("mine") else None
    )
    now = timezone.now()
    names = dict(_staff(request))
    for row in rows:
        row.overdue = bool(row.next_due and row.next_due.due_at < now)
        row.assignee = names.get(str(row.assignee_id), "")
    if values.get("state"):
        rows = [r for r in rows if r.work_order.state == values["state"]]
    if values.get("severity"):
        rows = [r for r in rows if r.work_order.severity == values["severity"]]
    if values.get("overdue"):
        rows = [r for r in rows if r.overdue]
    q = (values.get("q") or "").strip().upper()
    if q:
        rows = [
            r
            for r in rows
            if q in r.work_order.number.upper()
            or q in r.work_order.owner.name.upper()
            or (r.work_order.vehicle and q in r.work_order.vehicle.plate.upper())
        ]
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


def _context(request: HttpRequest, view: Any, **forms: Any) -> dict[str, Any]:
    staff = _staff(request)
    names = dict(staff)
    wo = view.work_order
    for note in view.notes:
        note.author = names.get(str(note.author_id), "")
    lines = [
        {"values": {"part_code": p.part_code, "part_name": p.part_name, "quantity": p.quantity}, "errors": {}}
        for p in view.part_lines
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
        "request_lines": forms.get("request_lines", lines),
        "request_line_errors": forms.get("request_line_errors"),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "assign_form": forms.get("assign_form") or AssignForm(staff=staff),
        "note_form": forms.get("note_form") or NoteForm(),
        "stock_form": forms.get("stock_form") or StockCheckForm(),
        "parts_form": forms.get("parts_form") or PartsRequestForm(),
        "received_form": forms.get("received_form") or PartsReceivedForm(),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "extension_form": forms.get("extension_form") or ExtensionForm(),
        "transfer_form": forms.get("transfer_form") or TransferForm(),
        "open_tab": forms.get("open_tab", ""),
        "parts_centre_needed": wo.stock_check == StockCheck.PARTS_CENTRE,
    }


@login_required
@live_page
def work_order_page(request: HttpRequest, manufacturer: str, number: str) -> HttpResponse:
    view = DealerGateway(request.tenant).work_order(manufacturer, number)
    return render(request, "dealers/work_order.html", _context(request, view))


def _posted_lines(request: HttpRequest) -> list[dict[str, Any]]:
    rows = zip(
        request.POST.getlist("part_code"),
        request.POST.getlist("part_name"),
        request.POST.getlist("quantity"),
        strict=False,
    )
    return [
        {"part_code": c, "part_name": n, "quantity": q}
        for c, n, q in rows
        if c.strip() or n.strip() or q.strip()
    ]


@login_required
@require_POST
def work_order_action(request: HttpRequest, manufacturer: str, number: str, action: str) -> HttpResponse:
    gateway = DealerGateway(request.tenant)
    gateway.work_order(manufacturer, number)  # 404 before anything when not routed here
    actor = actor_of(request)
    extra: dict[str, Any] = {}
    forms: dict[str, tuple[Any, Any, str]] = {
        "contact": (
            ContactForm,
            lambda d: gateway.record_contact(
                manufacturer,
                number,
                actor=actor,
                at=d["at"],
                whom=d["whom"],
                method=d["method"],
                reached=d["reached"] == "yes",
                agreed=d["agreed"],
                solution_offered=d["solution_offered"],
            ),
            _("Contact recorded."),
        ),
        "assign": (
            lambda data: AssignForm(data, staff=_staff(request)),
            lambda d: gateway.assign(manufacturer, number, actor=actor, assignee_id=int(d["assignee"])),
            _("Assigned."),
        ),
        "note": (
            NoteForm,
            lambda d: gateway.add_note(manufacturer, number, actor=actor, text=d["text"]),
            _("Note added."),
        ),
        "stock": (
            StockCheckForm,
            lambda d: gateway.record_stock_check(
                manufacturer, number, actor=actor, result=d["result"], note=d["note"]
            ),
            _("Stock check recorded."),
        ),
        "parts": (
            PartsRequestForm,
            lambda d: gateway.raise_parts_request(
                manufacturer, number, actor=actor, lines=_posted_lines(request), note=d["note"]
            ),
            _("Parts-support request sent to the parts centre."),
        ),
        "received": (
            PartsReceivedForm,
            lambda d: gateway.confirm_parts_received(manufacturer, number, actor=actor, note=d["note"]),
            _("Parts receipt confirmed."),
        ),
        "resolve": (
            ResolveForm,
            lambda d: gateway.resolve(
                manufacturer,
                number,
                actor=actor,
                result_summary=d["result_summary"],
                owner_acceptance=d["owner_acceptance"],
            ),
            _("Reported resolved; the hotline will call the owner back."),
        ),
        "extension": (
            ExtensionForm,
            lambda d: gateway.request_extension(
                manufacturer,
                number,
                actor=actor,
                clock_kind=d["clock_kind"],
                minutes=d["minutes"],
                reason=d["reason"],
            ),
            _("Extension requested; a hotline supervisor decides."),
        ),
        "transfer": (
            TransferForm,
            lambda d: gateway.request_transfer(manufacturer, number, actor=actor, reason=d["reason"]),
            _("Transfer requested; a hotline supervisor decides."),
        ),
    }
    if action not in forms:
        raise Http404
    make_form, run, done = forms[action]
    form = make_form(request.POST)
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            line_errors = apply_errors(form, exc, {"lines": None, "parts": None})
            if action == "parts":
                extra["request_lines"] = [
                    {
                        "values": line,
                        "errors": {
                            f: line_errors.get(f"{i}.{f}", []) for f in ("part_code", "part_name", "quantity")
                        },
                    }
                    for i, line in enumerate(_posted_lines(request), start=1)
                ]
                extra["request_line_errors"] = line_errors.get("all")
        else:
            messages.success(request, done)
            return redirect("work-order", manufacturer=manufacturer, number=number)
    view = gateway.work_order(manufacturer, number)
    return render(
        request,
        "dealers/work_order.html",
        _context(request, view, **{f"{action}_form": form, "open_tab": action}, **extra),
        status=400,
    )
