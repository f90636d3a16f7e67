"""The dealer portal: the inbox across every network, one work order and the dealer's actions.

Everything about the manufacturers' work orders goes through ``DealerGateway``,
the one door to the hotline schemas; a work order not routed here is a 404.
The actions and their forms come from ``dealers/actions.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.exports import list_download
from config.listing import Cursor
from config.portal import actor_of, apply_errors, live_page, sort_links
from hotline.models import MAX_PART_LINES, OPEN_STATES, ClockKind, StockCheck
from hotline.selectors import Conversation
from hotline.services.attachments import attachment_may_remove
from hotline.services.scripts import callback_script
from hotline.views.forms import AttachmentForm, MessageForm
from hotline.views.work_orders import file_addresses
from tenants.permissions import may, roles_allowed
from tenants.selectors import saved_views_for, staff_of

from ..actions import DEALER_ACTIONS
from ..gateway import INBOX_SORTS, DealerGateway, DealerWorkOrder
from .forms import InboxFilter


def _members(request: HttpRequest) -> list[tuple[str, str, str]]:
    """The people here as (user id, "name · role", role), read once per request."""
    if not hasattr(request, "_dealer_members"):
        request._dealer_members = [
            (str(m.user_id), f"{m.user.get_full_name() or m.user.username} · {m.get_role_display()}", m.role)
            for m in staff_of(request.tenant)
        ]
    return request._dealer_members


def _staff(request: HttpRequest) -> list[tuple[str, str]]:
    return [(user_id, label) for user_id, label, _role in _members(request)]


def _seniors(request: HttpRequest) -> list[tuple[str, str]]:
    """The senior managers here: on whose behalf an answer to a major complaint can be recorded."""
    senior = roles_allowed("dealer.senior_confirm")
    return [(user_id, label) for user_id, label, role in _members(request) if role in senior]


def inbox_filters(request: HttpRequest) -> tuple[InboxFilter, dict[str, Any]]:
    """The inbox's filter form from the address, and the gateway's arguments it gives."""
    form = InboxFilter(request.GET or None)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    return form, {
        "open_only": not values.get("closed"),
        "assignee_id": request.user.pk if values.get("mine") else None,
        "state": values.get("state") or "",
        "severity": values.get("severity") or "",
        "overdue": bool(values.get("overdue")),
        "due_within": values.get("due_within"),
        "q": values.get("q") or "",
    }


INBOX_COLUMNS = [
    _lazy("Number"),
    _lazy("Manufacturer"),
    _lazy("Received"),
    _lazy("State"),
    _lazy("Category"),
    _lazy("Owner"),
    _lazy("Mobile"),
    _lazy("Licence plate"),
    _lazy("Assigned to"),
    _lazy("Window"),
    _lazy("Due"),
]


@login_required
@live_page
def inbox(request: HttpRequest) -> HttpResponse:
    """Work orders from every network, most urgent first: filters, sortable columns, pages,
    saved views, downloads, "assigned to me", bulk assignment."""
    form, filters = inbox_filters(request)
    staff = _staff(request)
    names = dict(staff)
    order = [int(user_id) for user_id, _label in sorted(staff, key=lambda s: s[1])]
    gateway = DealerGateway(request.tenant)
    sort = request.GET.get("sort", "")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return list_download(
            f"inbox-{request.tenant.slug}",
            [str(h) for h in INBOX_COLUMNS],
            _inbox_lines(gateway, names, sort, order, filters),
            fmt,
        )
    page = gateway.inbox_page(
        sort=sort, cursor=Cursor.decode(request.GET.get("cursor", "")), staff_order=order, **filters
    )
    for row in page.rows:
        row.assignee = names.get(str(row.assignee_id), "")
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("view", None)
    return render(
        request,
        "dealers/inbox.html",
        {
            "form": form,
            "page": page,
            "rows": page.rows,
            "sorts": sort_links(
                query,
                list(INBOX_SORTS),
                page.extra["sort"],
                page.extra["descending"],
                reversed_=sort.startswith("-"),
            ),
            "query": query.urlencode(),
            "filtered": any(k != "sort" for k in query),
            "saved_views": saved_views_for(request.tenant, request.user, "inbox"),
            "current_view": request.GET.get("view", ""),
            "assign_form": DEALER_ACTIONS["assign"].form(staff=staff, prefix="bulk"),
            "major_open": gateway.major_open(),
        },
    )


def _inbox_lines(
    gateway: DealerGateway, names: dict[str, str], sort: str, order: list[int], filters: dict[str, Any]
) -> Iterator[list[Any]]:
    """Every row of the inbox as a download's lines, a page at a time."""
    zone = timezone.get_current_timezone()

    def local(moment: Any) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    cursor = None
    while True:
        page = gateway.inbox_page(sort=sort, cursor=cursor, size=500, staff_order=order, **filters)
        for row in page.rows:
            wo = row.work_order
            yield [
                wo.number,
                row.manufacturer.name,
                local(wo.received_at),
                wo.get_state_display(),
                wo.get_category_display(),
                wo.owner.name,
                wo.owner.mobile,
                wo.vehicle.plate if wo.vehicle else "",
                names.get(str(row.assignee_id), ""),
                str(ClockKind(wo.next_kind).label) if wo.next_kind else "",
                local(wo.next_due),
            ]
        if page.next is None:
            return
        cursor = Cursor.decode(page.next)


@login_required
@require_POST
def inbox_bulk_assign(request: HttpRequest) -> HttpResponse:
    """The chosen work orders to one person here, through the declared ``assign`` action;
    what could not be assigned is said by number."""
    staff = _staff(request)
    form = DEALER_ACTIONS["assign"].form(request.POST, staff=staff, prefix="bulk")
    back = request.POST.get("next") or ""
    back = back if back.startswith("/work-orders/") else reverse("inbox")
    chosen = [c for c in request.POST.getlist("work_order") if "/" in c][:200]
    if not chosen:
        messages.error(request, _("Choose at least one work order."))
        return redirect(back)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{form.fields['assignee_id'].label}: {error}")
        return redirect(back)
    gateway = DealerGateway(request.tenant)
    done, failed = [], []
    for item in chosen:
        manufacturer, number = item.split("/", 1)
        try:
            gateway.act("assign", manufacturer, number, actor=actor_of(request), **form.cleaned_data)
            done.append(number)
        except Http404:
            failed.append(f"{number}: {_('not routed to this dealer')}")
        except (ValidationError, PermissionDenied) as exc:
            failed.append(f"{number}: {exc}")
    if done:
        messages.success(request, _("Assigned: %(numbers)s.") % {"numbers": ", ".join(done)})
    for line in failed:
        messages.error(request, line)
    return redirect(back)


def _part_line_rows(lines: list[dict[str, Any]], line_errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "values": line,
            "errors": {f: line_errors.get(f"{i}.{f}", []) for f in ("part_code", "part_name", "quantity")},
        }
        for i, line in enumerate(lines, start=1)
    ]


def _running(view: DealerWorkOrder) -> list[str]:
    """The kinds of the work order's windows still running (more time can be asked for them)."""
    return [c.kind for c in view.clocks if c.stopped_at is None]


def _resolve_initial(view: DealerWorkOrder) -> dict[str, Any] | None:
    """A work order resolved before (withdrawn or reopened since): its last conclusion to start from."""
    c = view.conclusion
    if c is None:
        return None
    return {
        "validity": c.validity,
        "invalid_reason": c.invalid_reason,
        "responsibility": c.responsibility,
        "root_cause": c.root_cause.code,
        "remedy_types": c.remedy_types,
        "remedy_amount": c.remedy_amount,
        "apologised_by": c.apologised_by,
        "corrective_action": c.corrective_action,
        "corrective_owner": c.corrective_owner,
        "corrective_due": c.corrective_due,
        "person_at_fault": view.person_at_fault.name if view.person_at_fault else "",
    }


def _attachments_context(request: HttpRequest, view: DealerWorkOrder, form: Any = None) -> dict[str, Any]:
    """The files this dealer sees, with the addresses the page links and whether the person may
    remove each; the upload form."""
    code, number = view.manufacturer.code, view.work_order.number
    actor = actor_of(request)
    file_addresses(view.attachments, code, number)
    for row in view.attachments:
        row.removable = attachment_may_remove(row, actor, dealer_id=request.tenant.pk)
    return {
        "attachments": view.attachments,
        "attachment_form": form or AttachmentForm(prefix="attach"),
        "can_attach": may(request.membership.role, "dealer.attach"),
        "attach_action": reverse("work-order-attachments", args=[code, number]),
        "remove_action": reverse("work-order-attachment-remove", args=[code, number]),
    }


def _conversation(
    request: HttpRequest, view: DealerWorkOrder, conversation: Conversation | None, form: MessageForm | None
) -> dict[str, Any]:
    """The conversation with the customer-service centre, as the person signed in reads it."""
    manufacturer, number = view.manufacturer.code, view.work_order.number
    if conversation is None:
        reader = (request.tenant.pk, request.user.pk)
        conversation = DealerGateway(request.tenant).conversation(manufacturer, number, reader=reader)
    for message in conversation.messages:
        file_addresses(message.files, manufacturer, number)
    return {
        "conversation": conversation,
        "message_form": form or MessageForm(prefix="message", people=conversation.people),
        "message_action": reverse("work-order-message", args=[manufacturer, number]),
        "can_post": may(request.membership.role, "dealer.message"),
    }


def _context(request: HttpRequest, view: DealerWorkOrder, **forms: Any) -> dict[str, Any]:
    staff = _staff(request)
    seniors = _seniors(request)
    names = dict(staff)
    wo = view.work_order
    for note in view.notes:
        note.author = names.get(str(note.author_id), "")
    for handoff in view.handoffs:
        handoff.head_name = names.get(str(handoff.head_id), "")
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
            f"{name}_form": forms.get(f"{name}_form")
            or action.form(
                staff=staff,
                windows=_running(view),
                questionnaire=view.questionnaire,
                work_order=wo,
                seniors=seniors,
                root_causes=view.root_causes,
                initial=_resolve_initial(view) if name == "resolve" else None,
            )
            for name, action in DEALER_ACTIONS.items()
        },
        "open_tab": forms.get("open_tab", ""),
        "parts_centre_needed": wo.stock_check == StockCheck.PARTS_CENTRE,
        "can_withdraw": view.can_withdraw,
        "to_confirm": view.awaiting_confirmation_by(request.user.pk),
        "script": callback_script(wo.owner, org=wo.dealer_name, script=view.script),
        **_attachments_context(request, view, forms.get("attachment_form")),
        **_conversation(request, view, forms.get("conversation"), forms.get("message_form")),
    }


@login_required
@live_page
def work_order_page(request: HttpRequest, manufacturer: str, number: str) -> HttpResponse:
    """The work order's page. Opening it reads the conversation (what was new stays marked on the
    page just opened); a live refresh of the open page does not (``HX-Request``)."""
    gateway = DealerGateway(request.tenant)
    view = gateway.work_order(manufacturer, number)
    reader = (request.tenant.pk, request.user.pk)
    opened = not request.headers.get("HX-Request")
    conversation = gateway.conversation(manufacturer, number, reader=reader, mark_read=opened)
    return render(request, "dealers/work_order.html", _context(request, view, conversation=conversation))


@login_required
@require_POST
def message_add(request: HttpRequest, manufacturer: str, number: str) -> HttpResponse:
    """A message to the customer-service centre; bad input shows the page again with the errors."""
    gateway = DealerGateway(request.tenant)
    view = gateway.work_order(manufacturer, number)  # 404 before anything when not routed here
    if not may(request.membership.role, "dealer.message"):
        raise PermissionDenied
    people = gateway.conversation(manufacturer, number, reader=None).people
    form = MessageForm(request.POST, request.FILES, prefix="message", people=people)
    if form.is_valid():
        try:
            gateway.message_post(
                manufacturer,
                number,
                actor=actor_of(request),
                text=form.cleaned_data["text"],
                mentions=form.cleaned_data["mentions"],
                files=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, {})
        else:
            messages.success(request, _("Message sent."))
            return redirect(f"{reverse('work-order', args=[manufacturer, number])}#conversation")
    return render(request, "dealers/work_order.html", _context(request, view, message_form=form), status=400)


@login_required
@require_POST
def work_order_action(request: HttpRequest, manufacturer: str, number: str, action: str) -> HttpResponse:
    """One of the declared dealer actions, with its form; bad input shows the page again."""
    declared = DEALER_ACTIONS.get(action)
    if declared is None:
        raise Http404
    gateway = DealerGateway(request.tenant)
    view = gateway.work_order(manufacturer, number)  # 404 before anything when not routed here
    if not may(request.membership.role, declared.permission):
        raise PermissionDenied
    form = declared.form(
        request.POST,
        staff=_staff(request),
        windows=_running(view),
        questionnaire=view.questionnaire,
        seniors=_seniors(request),
        root_causes=view.root_causes,
    )
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
