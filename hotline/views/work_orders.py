"""The customer-service centre's work orders: intake, the board, one work order, decisions.

Views read through selectors and change things only through the services in
``hotline/services``; a service's field errors are shown next to the field.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.actor import Actor
from config.errors import DomainError
from config.exports import list_download
from config.listing import Cursor
from config.portal import actor_of, apply_errors, error_summary, errors_of, live_page, sort_links
from tenants.permissions import may
from tenants.selectors import saved_views_for
from tenants.services.idempotency import StoredAnswer, idempotency_answer, idempotency_claim

from ..models import (
    MAX_PART_LINES,
    Attachment,
    CallbackOutcome,
    Channel,
    ClockKind,
    Owner,
    State,
    TechSupportRequest,
    Vehicle,
    WorkOrder,
    WorkOrderType,
)
from ..selectors import (
    BOARD_SORTS,
    attachments_visible,
    board_work_orders_sorted,
    call_by_id,
    call_card,
    conversation_of,
    hotline_notes_of,
    network_active,
    owner_by_id,
    owner_by_mobile,
    owners_matching,
    vehicle_by_vin,
    vehicle_of,
    work_order_by_number,
    work_order_page,
    work_orders_for_board,
    work_orders_for_supervisors,
    work_orders_recent_of,
)
from ..services import decisions, major, techsupport
from ..services.attachments import attachment_may_remove
from ..services.callbacks import hotline_verification_needed
from ..services.clocks import tenant_time_zone
from ..services.conclusions import conclusion_review
from ..services.conversation import conversation_mark_read
from ..services.questionnaires import questionnaire_for
from ..services.routing import RescueSuggestion, dealer_suggest, rescue_dealers_suggest
from ..services.scripts import callback_script
from ..services.work_orders import (
    OWNER_FIELDS,
    intake_errors,
    intake_from,
    location_checked,
    work_order_cancel,
    work_order_create,
    work_order_reopen,
)
from .forms import (
    AttachmentForm,
    BoardFilter,
    CallbackForm,
    ExtensionDecisionForm,
    HotlineNoteForm,
    IntakeForm,
    MessageForm,
    OwnerCallForm,
    ReasonForm,
    ReassignForm,
    ReclassifyForm,
    ReviewForm,
    TechSupportAnswerForm,
    TransferDecisionForm,
    UpgradeDecisionForm,
    board_filters_of,
)

# The permission each portal action needs (tenants/permissions.py); the page offers only these.
ACTION_PERMISSIONS = {
    "callback": "work_order.callback",
    "reopen": "work_order.reopen",
    "close": "work_order.close",
    "cancel": "work_order.cancel",
    "transfer": "transfer.decide",
    "extension": "extension.decide",
    "reassign": "work_order.reassign",
    "reclassify": "work_order.reclassify",
    "upgrade": "upgrade.decide",
    "review": "work_order.review",
    "tech_support": "tech_support.answer",
}


def board_filters(request: HttpRequest) -> tuple[BoardFilter, dict[str, Any]]:
    """The board's filter form from the address, and the selector's arguments it gives."""
    return board_filters_of(
        request.GET or None, manufacturer_id=request.tenant.manufacturer.pk, user_id=request.user.pk
    )


BOARD_COLUMNS = [
    ("number", _lazy("Number")),
    ("received_at", _lazy("Received")),
    ("state", _lazy("State")),
    ("category", _lazy("Category")),
    ("severity", _lazy("Severity")),
    ("dealer", _lazy("Dealer")),
    ("owner", _lazy("Owner")),
    ("mobile", _lazy("Mobile")),
    ("plate", _lazy("Licence plate")),
    ("vin", _lazy("VIN")),
    ("window", _lazy("Window")),
    ("due", _lazy("Due")),
    ("agent", _lazy("Recorded by")),
]


def _board_row(wo: WorkOrder, zone: Any) -> list[Any]:
    def local(moment: dt.datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    return [
        wo.number,
        local(wo.received_at),
        wo.get_state_display(),
        wo.get_category_display(),
        wo.get_severity_display(),
        f"{wo.dealer_code} {wo.dealer_name}",
        wo.owner.name,
        wo.owner.mobile,
        wo.vehicle.plate if wo.vehicle else "",
        wo.vehicle.vin if wo.vehicle else "",
        str(ClockKind(wo.next_kind).label) if wo.next_kind else "",
        local(wo.next_due),
        wo.agent_name or "",
    ]


@login_required
@live_page
def board(request: HttpRequest) -> HttpResponse:
    """The board: filters, sortable columns, keyset pages, saved views, downloads, bulk reassign."""
    form, filters = board_filters(request)
    sort = request.GET.get("sort", "")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        zone = zoneinfo.ZoneInfo(tenant_time_zone())
        rows = (_board_row(wo, zone) for wo in board_work_orders_sorted(sort=sort, **filters).iterator(2000))
        stamp = timezone.now().astimezone(zone).strftime("%Y%m%d-%H%M")
        return list_download(f"work-orders-{stamp}", [h for _k, h in BOARD_COLUMNS], rows, fmt)
    page = work_orders_for_board(sort=sort, cursor=Cursor.decode(request.GET.get("cursor", "")), **filters)
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("view", None)
    network = network_active(request.tenant.manufacturer.pk)
    return render(
        request,
        "hotline/work_orders/board.html",
        {
            "form": form,
            "page": page,
            "rows": page.rows,
            "sorts": sort_links(
                query,
                list(BOARD_SORTS),
                page.extra["sort"],
                page.extra["descending"],
                reversed_=request.GET.get("sort", "").startswith("-"),
            ),
            "query": query.urlencode(),
            "filtered": any(k not in ("sort",) for k in query),
            "saved_views": saved_views_for(request.tenant, request.user, "board"),
            "current_view": request.GET.get("view", ""),
            "reassign_form": ReassignForm(prefix="bulk", network=network),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def board_bulk_reassign(request: HttpRequest) -> HttpResponse:
    """Supervisors: the chosen work orders to another dealer, each in its own transaction; what
    could not be reassigned is said by number, with the reason."""
    if not may(request.membership.role, "work_order.reassign"):
        raise PermissionDenied
    network = network_active(request.tenant.manufacturer.pk)
    form = ReassignForm(request.POST, prefix="bulk", network=network)
    back = request.POST.get("next") or ""
    back = back if back.startswith("/work-orders/") else "/work-orders/"
    numbers = [n for n in request.POST.getlist("number") if n][:200]
    if not numbers:
        messages.error(request, _("Choose at least one work order."))
        return redirect(back)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(back)
    actor = actor_of(request)
    done, failed = [], []
    for number in numbers:
        try:
            work_order = work_order_by_number(number)
            decisions.work_order_reassign(
                manufacturer=request.tenant.manufacturer,
                work_order_id=work_order.pk,
                actor=actor,
                to_dealer_id=int(form.cleaned_data["to_dealer"]),
                reason=form.cleaned_data["reason"],
            )
            done.append(number)
        except WorkOrder.DoesNotExist:
            failed.append(f"{number}: {_('no such work order')}")
        except (ValidationError, PermissionDenied, DomainError) as exc:
            text = (
                "; ".join(m for ms in errors_of(exc).values() for m in ms)
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            failed.append(f"{number}: {text}")
    if done:
        messages.success(request, _("Reassigned: %(numbers)s.") % {"numbers": ", ".join(done)})
    for line in failed:
        messages.error(request, line)
    return redirect(back)


@login_required
@live_page
def queues(request: HttpRequest) -> HttpResponse:
    """The supervisors' queues: overdue now, escalated, awaiting callback, awaiting a decision."""
    titles = {
        "overdue": _("Overdue now"),
        "escalated": _("Escalated"),
        "callback": _("Awaiting callback"),
        "decision": _("Awaiting my decision"),
        "major": _("Major complaints"),
    }
    queued = work_orders_for_supervisors()
    return render(
        request,
        "hotline/work_orders/queues.html",
        {"sections": [(key, titles[key], rows) for key, rows in queued.items()], "now": timezone.now()},
    )


# --- intake ---------------------------------------------------------------------------------


def _intake_initial(owner: Owner | None, vehicle: Vehicle | None) -> dict[str, Any]:
    initial: dict[str, Any] = {"token": uuid.uuid4().hex}
    if owner is not None:
        for name in OWNER_FIELDS:
            initial[f"owner_{name}"] = getattr(owner, name)
    if vehicle is not None:
        for name in ("vin", "plate", "model", "purchase_date", "mileage_km", "use"):
            value = getattr(vehicle, name)
            initial[f"vehicle_{name}"] = value.isoformat() if isinstance(value, dt.date) else value
    return initial


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


def _line_rows(lines: list[dict[str, Any]], line_errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The part-lines editor's rows, each with its own errors."""
    return [
        {
            "values": line,
            "errors": {f: line_errors.get(f"{i}.{f}", []) for f in ("part_code", "part_name", "quantity")},
        }
        for i, line in enumerate(lines, start=1)
    ]


def _intake_save(request: HttpRequest, form: IntakeForm, lines: list[dict[str, Any]]) -> str:
    """Record the work order once per form (the form's token): the same form sent twice, or
    again while the first is being saved, gives the first one's number."""
    claim = {"tenant_id": request.tenant.pk, "principal": f"user:{request.user.pk}"}
    claim["key"] = f"intake:{form.cleaned_data['token']}"
    with transaction.atomic():
        stored = idempotency_claim(**claim, method="POST", path=request.path, fingerprint="")
        if stored is not None:
            return stored.body["number"]
        intake = intake_from(manufacturer=request.tenant.manufacturer, values=form.intake_values(lines))
        work_order = work_order_create(
            manufacturer=request.tenant.manufacturer, actor=actor_of(request), intake=intake
        )
        idempotency_answer(**claim, answer=StoredAnswer(302, {"number": work_order.number}, {}))
    messages.success(
        request,
        _("Work order %(number)s recorded and sent to %(dealer)s.")
        % {"number": work_order.number, "dealer": work_order.dealer_name},
    )
    return work_order.number


def _all_intake_errors(request: HttpRequest, form: IntakeForm, lines: list[dict[str, Any]]) -> dict:
    """The service's errors of what was typed, on fields the form found nothing wrong with."""
    values = form.intake_values(lines, raw=True)
    try:
        intake = intake_from(manufacturer=request.tenant.manufacturer, values=values)
        errors = intake_errors(intake)
    except ValidationError as exc:
        errors = errors_of(exc)
    fresh = {}
    for key, messages_ in errors.items():
        field = IntakeForm.ALIASES.get(key, key)
        if field in form.fields and form.errors.get(field):
            continue  # already said by the form
        fresh[key] = messages_
    return apply_errors(form, ValidationError(fresh), IntakeForm.ALIASES) if fresh else {}


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not may(request.membership.role, "work_order.create"):
        raise PermissionDenied
    manufacturer = request.tenant.manufacturer
    network = network_active(manufacturer.pk)
    lookup = (request.GET.get("lookup") or "").strip()
    matches = list(owners_matching(lookup)[:10]) if lookup else []
    owner = owner_by_id(request.GET.get("owner"))
    # One click from a call's pop-up: the caller's owner record, or at least their number.
    call = call_by_id(request.GET.get("call")) if may(request.membership.role, "calls.read") else None
    if call is not None and owner is None:
        owner = call_card(call).owner
    vehicle = vehicle_of(owner, request.GET.get("vehicle")) if owner is not None else None
    line_errors: dict[str, list[str]] = {}
    lines: list[dict[str, Any]] = []
    if request.method == "POST":
        form = IntakeForm(request.POST, network=network)
        lines = _posted_lines(request)
        if form.is_valid():
            try:
                return redirect("work-order", number=_intake_save(request, form, lines))
            except ValidationError as exc:
                line_errors = apply_errors(form, exc, IntakeForm.ALIASES)
        else:
            # The form's errors and every one of the service's, in one pass.
            line_errors = _all_intake_errors(request, form, lines)
        status = 400
        owner = owner_by_mobile(request.POST.get("owner_mobile", ""))
        vehicle = vehicle_by_vin(request.POST.get("vehicle_vin", ""))
    else:
        initial = _intake_initial(owner, vehicle)
        if call is not None:
            initial["channel"] = Channel.PHONE
            initial.setdefault("owner_mobile", call.caller if len(call.caller) == 11 else "")
        form = IntakeForm(initial=initial, network=network)
        status = 200
    suggestion = None
    if owner is not None or vehicle is not None:
        suggestion, _reason = dealer_suggest(manufacturer, vehicle=vehicle, city=owner.city if owner else "")
    rescue = _rescue_suggestions(request, request.POST if request.method == "POST" else request.GET)
    return render(
        request,
        "hotline/work_orders/intake.html",
        {
            "form": form,
            "lookup": lookup,
            "matches": matches,
            "owner": owner,
            "vehicle": vehicle,
            "recent": work_orders_recent_of(owner),
            "suggestion": suggestion,
            **rescue,
            "lines": _line_rows(lines, line_errors),
            "max_lines": MAX_PART_LINES,
            "line_errors": line_errors.get("all"),
            "summary": error_summary(form, line_errors, lines_anchor="part-lines"),
        },
        status=status,
    )


@login_required
def intake_hints(request: HttpRequest) -> HttpResponse:
    """While the agent types: the dealer that would be suggested, and the owner's recent work orders."""
    owner = owner_by_mobile(request.GET.get("owner_mobile", ""))
    vehicle = vehicle_by_vin(request.GET.get("vehicle_vin", ""))
    if owner is None and vehicle is not None:
        owner = vehicle.owner
    city = (request.GET.get("owner_city") or "").strip() or (owner.city if owner else "")
    suggestion, _reason = dealer_suggest(request.tenant.manufacturer, vehicle=vehicle, city=city)
    return render(
        request,
        "hotline/work_orders/_hints.html",
        {
            "suggestion": suggestion,
            "recent": work_orders_recent_of(owner),
            **_rescue_suggestions(request, request.GET),
        },
    )


def _rescue_suggestions(request: HttpRequest, data: Any) -> dict[str, Any]:
    """For a rescue: the nearest dealers offering 24-hour rescue to where the car stands (what the
    service routes to when no dealer is chosen), with their distance and duty phone."""
    if data.get("type") != WorkOrderType.RESCUE:
        return {"is_rescue": False, "rescuers": []}
    raw = {name: data.get(f"location_{name}") or "" for name in ("province", "city", "district")}
    raw |= {name: data.get(f"location_{name}") or None for name in ("latitude", "longitude")}
    location = location_checked(raw, {})
    rescuers: list[RescueSuggestion] = rescue_dealers_suggest(request.tenant.manufacturer, location=location)
    return {"is_rescue": True, "rescuers": rescuers}


# --- one work order ------------------------------------------------------------------------


def _work_order_or_404(number: str) -> WorkOrder:
    try:
        return work_order_by_number(number)
    except WorkOrder.DoesNotExist as exc:
        raise Http404 from exc


def file_addresses(rows: Iterable[Attachment], *route: Any) -> None:
    """Give each file the addresses a page links: the file and its thumbnail, on the route of
    the work order (the hotline: its number; a dealer: the manufacturer's code and the number)."""
    for row in rows:
        row.url = reverse("work-order-attachment", args=[*route, row.pk])
        row.thumbnail_url = reverse("work-order-attachment-thumbnail", args=[*route, row.pk])


def attachments_shown(work_order: WorkOrder, actor: Actor) -> list[Attachment]:
    """The work order's files with the addresses the hotline's page links and whether the
    person may remove each."""
    rows = list(attachments_visible(work_order))
    file_addresses(rows, work_order.number)
    for row in rows:
        row.removable = attachment_may_remove(row, actor)
    return rows


def _attachments_context(request: HttpRequest, work_order: WorkOrder, form: Any = None) -> dict[str, Any]:
    return {
        "attachments": attachments_shown(work_order, actor_of(request)),
        "attachment_form": form or AttachmentForm(prefix="attach"),
        "can_attach": may(request.membership.role, "work_order.attach"),
        "attach_action": reverse("work-order-attachments", args=[work_order.number]),
        "remove_action": reverse("work-order-attachment-remove", args=[work_order.number]),
    }


def conversation_context(
    request: HttpRequest, work_order: WorkOrder, form: MessageForm | None = None
) -> dict[str, Any]:
    """The conversation section of the work order's page, as the person signed in reads it."""
    conversation = conversation_of(
        work_order, reader=(request.tenant.pk, request.user.pk), hotline=request.tenant
    )
    for message in conversation.messages:
        file_addresses(message.files, work_order.number)
    return {
        "conversation": conversation,
        "message_form": form or MessageForm(prefix="message", people=conversation.people),
        "message_action": reverse("work-order-message", args=[work_order.number]),
        "can_post": may(request.membership.role, "work_order.message"),
    }


def _context(request: HttpRequest, number: str, **forms: Any) -> dict[str, Any]:
    page = work_order_page(number, manufacturer_id=request.tenant.manufacturer.pk)
    work_order, network = page.work_order, page.network
    notes, owner_calls = hotline_notes_of(work_order)
    return {
        "wo": work_order,
        "part_lines": page.part_lines,
        "clocks": page.clocks,
        "internal_clocks": page.internal_clocks,
        "events": page.events,
        "callbacks": page.callbacks,
        "transfers": page.transfers,
        "extensions": page.extensions,
        "repeats": page.repeats,
        "history": page.history,
        "created_by": page.created_by,
        "notes": notes,
        "owner_calls": owner_calls,
        "note_form": forms.get("note_form") or HotlineNoteForm(prefix="note"),
        "owner_call_form": forms.get("owner_call_form") or OwnerCallForm(prefix="owner_call"),
        "callback_form": forms.get("callback_form")
        or CallbackForm(questionnaire=questionnaire_for(work_order)),
        "reopen_form": forms.get("reopen_form") or ReasonForm(prefix="reopen"),
        "close_form": forms.get("close_form") or ReasonForm(prefix="close"),
        "cancel_form": forms.get("cancel_form") or ReasonForm(prefix="cancel"),
        "transfer_form": forms.get("transfer_form")
        or TransferDecisionForm(prefix="transfer", network=network),
        "extension_form": forms.get("extension_form") or ExtensionDecisionForm(prefix="extension"),
        "upgrades": page.upgrades,
        "awaiting_senior": page.awaiting_senior,
        "reclassify_form": forms.get("reclassify_form")
        or ReclassifyForm(
            prefix="reclassify", initial={"severity": work_order.severity, "category": work_order.category}
        ),
        "upgrade_form": forms.get("upgrade_form") or UpgradeDecisionForm(prefix="upgrade"),
        "tech_support": page.tech_support,
        "tech_support_form": forms.get("tech_support_form") or TechSupportAnswerForm(prefix="tech_support"),
        "reassign_form": forms.get("reassign_form")
        or ReassignForm(prefix="reassign", network=network, current=work_order.dealer_id),
        "conclusion": page.conclusion,
        "review_form": forms.get("review_form")
        or (
            ReviewForm(prefix="review", initial={"opinion": page.conclusion.review_opinion})
            if page.conclusion is not None
            and work_order.state == State.CLOSED
            and may(request.membership.role, "work_order.review")
            else None
        ),
        "review_action": reverse("work-order-action", args=[work_order.number, "review"]),
        "open_tab": forms.get("open_tab", ""),
        "script": callback_script(
            work_order.owner,
            org=_("%(brand)s customer-service centre") % {"brand": request.tenant.manufacturer.name},
        ),
        "verification_needed": work_order.state == State.RESOLVED and hotline_verification_needed(work_order),
        **_attachments_context(request, work_order, forms.get("attachment_form")),
        **conversation_context(request, work_order, forms.get("message_form")),
    }


@login_required
@live_page
def work_order_page_view(request: HttpRequest, number: str) -> HttpResponse:
    """The work order's page. Opening it reads its conversation (what was new stays marked on the
    page just opened); a live refresh of the open page does not, so what arrives while it is open
    stays marked new until the person opens the page again."""
    work_order = _work_order_or_404(number)
    response = render(request, "hotline/work_orders/detail.html", _context(request, number))
    if not request.headers.get("HX-Request"):
        conversation_mark_read(work_order=work_order, tenant_id=request.tenant.pk, user_id=request.user.pk)
    return response


def _run(
    request: HttpRequest, work_order: WorkOrder, form: Any, name: str, action: Any, done: str
) -> HttpResponse:
    """Run a service with a valid form; on bad input show the page again with the errors in place."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc, {"to_dealer": "to_dealer", "request": None})
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            messages.error(request, str(exc))  # shown at the top even where the form is not offered
        else:
            messages.success(request, done)
            return redirect("work-order", number=work_order.number)
    return render(
        request,
        "hotline/work_orders/detail.html",
        _context(request, work_order.number, **{name: form, "open_tab": name}),
        status=400,
    )


@login_required
@require_POST
def work_order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    work_order = _work_order_or_404(number)
    if action not in ACTION_PERMISSIONS:
        raise Http404
    if not may(request.membership.role, ACTION_PERMISSIONS[action]):
        raise PermissionDenied
    actor = actor_of(request)
    if action == "callback":
        form = CallbackForm(request.POST, questionnaire=questionnaire_for(work_order))

        def do(d: dict) -> Any:
            reached = d["outcome"] == CallbackOutcome.REACHED
            return decisions.callback_record(
                work_order_id=work_order.pk,
                actor=actor,
                outcome=d["outcome"],
                score=d["score"] if reached else None,
                solved={"yes": True, "no": False}.get(d["solved"]) if reached else None,
                note=d["note"],
                next_attempt_at=d["next_attempt_at"],
                answers=d["answers"],
            )

        return _run(request, work_order, form, "callback_form", do, _("Callback recorded."))
    if action == "review":
        return _run(
            request,
            work_order,
            ReviewForm(request.POST, prefix="review"),
            "review_form",
            lambda d: conclusion_review(work_order_id=work_order.pk, actor=actor, opinion=d["opinion"]),
            _("Review opinion recorded."),
        )
    if action == "reopen":
        return _run(
            request,
            work_order,
            ReasonForm(request.POST, prefix="reopen"),
            "reopen_form",
            lambda d: work_order_reopen(work_order_id=work_order.pk, actor=actor, reason=d["reason"]),
            _("Work order reopened; it is back with the dealer."),
        )
    if action == "close":
        return _run(
            request,
            work_order,
            ReasonForm(request.POST, prefix="close"),
            "close_form",
            lambda d: decisions.work_order_close_without_callback(
                work_order_id=work_order.pk, actor=actor, reason=d["reason"]
            ),
            _("Work order closed."),
        )
    if action == "cancel":
        return _run(
            request,
            work_order,
            ReasonForm(request.POST, prefix="cancel"),
            "cancel_form",
            lambda d: work_order_cancel(work_order_id=work_order.pk, actor=actor, reason=d["reason"]),
            _("Work order cancelled."),
        )
    if action == "transfer":
        form = TransferDecisionForm(
            request.POST, prefix="transfer", network=network_active(request.tenant.manufacturer.pk)
        )

        def decide_transfer(d: dict) -> Any:
            request_id = _own_request(work_order.transfer_requests, d["request"])
            return decisions.transfer_decide(
                manufacturer=request.tenant.manufacturer,
                request_id=request_id,
                actor=actor,
                approve=d["approve"] == "yes",
                reason=d["reason"],
                to_dealer_id=int(d["to_dealer"]) if d["to_dealer"] else None,
            )

        return _run(
            request, work_order, form, "transfer_form", decide_transfer, _("Transfer request decided.")
        )
    if action == "extension":
        form = ExtensionDecisionForm(request.POST, prefix="extension")

        def decide_extension(d: dict) -> Any:
            request_id = _own_request(work_order.extension_requests, d["request"])
            return decisions.extension_decide(
                request_id=request_id, actor=actor, grant=d["grant"] == "yes", reason=d["reason"]
            )

        return _run(
            request, work_order, form, "extension_form", decide_extension, _("Extension request decided.")
        )
    if action == "reclassify":
        return _run(
            request,
            work_order,
            ReclassifyForm(request.POST, prefix="reclassify"),
            "reclassify_form",
            lambda d: major.work_order_reclassify(
                work_order_id=work_order.pk,
                actor=actor,
                severity=d["severity"],
                category=d["category"],
                reason=d["reason"],
            ),
            _("Work order reclassified."),
        )
    if action == "upgrade":
        form = UpgradeDecisionForm(request.POST, prefix="upgrade")

        def decide_upgrade(d: dict) -> Any:
            request_id = _own_request(work_order.upgrade_requests, d["request"])
            return major.upgrade_decide(
                request_id=request_id, actor=actor, grant=d["grant"] == "yes", reason=d["reason"]
            )

        return _run(request, work_order, form, "upgrade_form", decide_upgrade, _("Upgrade request decided."))
    if action == "tech_support":
        form = TechSupportAnswerForm(request.POST, prefix="tech_support")

        def settle(d: dict) -> Any:
            if d["close"]:
                return techsupport.tech_support_close(
                    work_order_id=work_order.pk, request=d["request"], actor=actor, reason=d["reason"]
                )
            return techsupport.tech_support_answer(
                work_order_id=work_order.pk, request=d["request"], actor=actor, answer=d["answer"]
            )

        def do_settle(d: dict) -> Any:
            try:
                return settle(d)
            except TechSupportRequest.DoesNotExist as exc:  # another work order's request
                raise Http404 from exc

        return _run(
            request, work_order, form, "tech_support_form", do_settle, _("Technical support settled.")
        )
    if action == "reassign":
        form = ReassignForm(
            request.POST,
            prefix="reassign",
            network=network_active(request.tenant.manufacturer.pk),
            current=work_order.dealer_id,
        )
        return _run(
            request,
            work_order,
            form,
            "reassign_form",
            lambda d: decisions.work_order_reassign(
                manufacturer=request.tenant.manufacturer,
                work_order_id=work_order.pk,
                actor=actor,
                to_dealer_id=int(d["to_dealer"]),
                reason=d["reason"],
            ),
            _("Work order reassigned; the new dealer's windows have started."),
        )
    raise Http404


def _own_request(related, request_id: int) -> int:
    """A request of this work order, or 404: ids from another work order are not accepted here."""
    if not related.filter(pk=request_id).exists():
        raise Http404
    return request_id
