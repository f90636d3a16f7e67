"""The customer-service centre's work orders: intake, the board, one work order, decisions.

Views read through selectors and change things only through the services in
``hotline/services``; a service's field errors are shown next to the field.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Min, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.portal import actor_of, apply_errors, live_page
from tenants.models import Region, User
from tenants.selectors import network_of_manufacturer

from ..models import (
    MAX_PART_LINES,
    OPEN_STATES,
    CallbackOutcome,
    Clock,
    ClockState,
    DecisionState,
    Owner,
    Vehicle,
    WorkOrder,
)
from ..selectors import owners_matching, vehicles_of
from ..services import decisions
from ..services.policy import policy_current
from ..services.routing import dealer_suggest
from ..services.work_orders import (
    Intake,
    check_part_lines,
    work_order_cancel,
    work_order_create,
    work_order_reopen,
)
from .forms import (
    BoardFilter,
    CallbackForm,
    ExtensionDecisionForm,
    IntakeForm,
    ReasonForm,
    ReassignForm,
    TransferDecisionForm,
)

SUPERVISOR_ROLES = decisions.SUPERVISOR_ROLES


def _active_network(request: HttpRequest) -> list:
    return [m for m in network_of_manufacturer(request.tenant.manufacturer.pk) if m.is_active]


def _with_clocks(qs):
    """Each work order with the due time of its most urgent running window, and whether one is missed."""
    now = timezone.now()
    running = Clock.objects.filter(work_order=OuterRef("pk"), state=ClockState.RUNNING)
    return qs.annotate(
        next_due=Min("clocks__due_at", filter=Q(clocks__state=ClockState.RUNNING)),
        is_overdue=Exists(running.filter(due_at__lt=now)),
    )


def work_orders_for_board(values: dict[str, Any]):
    qs = _with_clocks(WorkOrder.objects.select_related("owner", "vehicle"))
    state = values.get("state") or ""
    if state == "":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state != "all":
        qs = qs.filter(state=state)
    for name, field in (
        ("dealer", "dealer_id"),
        ("region", "region_id"),
        ("category", "category"),
        ("severity", "severity"),
    ):
        if values.get(name):
            qs = qs.filter(**{field: values[name]})
    if values.get("overdue"):
        qs = qs.filter(is_overdue=True)
    if values.get("repeat"):
        qs = qs.filter(repeat_of__isnull=False)
    q = (values.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(number__iexact=q)
            | Q(owner__mobile=q)
            | Q(vehicle__plate__iexact=q)
            | Q(vehicle__vin__iexact=q)
            | Q(owner__name__icontains=q)
        )
    return qs.order_by("next_due", "-received_at")


@login_required
@live_page
def board(request: HttpRequest) -> HttpResponse:
    network = _active_network(request)
    regions = Region.objects.filter(manufacturer_id=request.tenant.manufacturer.pk).order_by("code")
    form = BoardFilter(request.GET or None, network=network, regions=regions)
    values = form.cleaned_data if form.is_valid() else {}
    rows = list(work_orders_for_board(values)[:300])
    return render(
        request,
        "hotline/work_orders/board.html",
        {
            "form": form,
            "rows": rows,
            "filtered": bool(request.GET),
            "now": timezone.now(),
        },
    )


@login_required
@live_page
def queues(request: HttpRequest) -> HttpResponse:
    """The supervisors' queues: overdue now, escalated, awaiting callback, awaiting a decision."""
    now = timezone.now()
    base = _with_clocks(WorkOrder.objects.select_related("owner"))
    escalated = Clock.objects.filter(
        work_order=OuterRef("pk"), escalation_level__gt=0, stopped_at__isnull=True
    )
    pending = Q(transfer_requests__state=DecisionState.PENDING) | Q(
        extension_requests__state=DecisionState.PENDING
    )
    sections = [
        ("overdue", _("Overdue now"), base.filter(is_overdue=True).order_by("next_due")),
        ("escalated", _("Escalated"), base.filter(Exists(escalated)).order_by("next_due")),
        ("callback", _("Awaiting callback"), base.filter(state="resolved").order_by("resolved_at")),
        ("decision", _("Awaiting my decision"), base.filter(pending).distinct().order_by("received_at")),
    ]
    return render(
        request,
        "hotline/work_orders/queues.html",
        {
            "sections": [(key, title, list(qs[:100])) for key, title, qs in sections],
            "now": now,
        },
    )


# --- intake ---------------------------------------------------------------------------------


def _intake_initial(owner: Owner | None, vehicle: Vehicle | None) -> dict[str, Any]:
    initial: dict[str, Any] = {"token": uuid.uuid4().hex}
    if owner is not None:
        for name in ("name", "gender", "mobile", "landline", "email", "province", "city", "address"):
            initial[f"owner_{name}"] = getattr(owner, name)
    if vehicle is not None:
        for name in ("vin", "plate", "model", "purchase_date", "mileage_km", "use"):
            value = getattr(vehicle, name)
            initial[f"vehicle_{name}"] = value.isoformat() if isinstance(value, dt.date) else value
    return initial


def _recent_of(owner: Owner | None) -> list[WorkOrder]:
    """Open work orders of the owner, and any within the repeat window: a new one will be a repeat."""
    if owner is None:
        return []
    since = timezone.now() - dt.timedelta(days=policy_current().repeat_window_days)
    recent = Q(state__in=OPEN_STATES) | Q(received_at__gte=since)
    return list(WorkOrder.objects.filter(Q(owner=owner) & recent).order_by("-received_at")[:10])


def _posted_lines(request: HttpRequest) -> list[dict[str, Any]]:
    codes, names = request.POST.getlist("part_code"), request.POST.getlist("part_name")
    quantities = request.POST.getlist("quantity")
    lines = []
    for code, name, quantity in zip(codes, names, quantities, strict=False):
        if code.strip() or name.strip() or quantity.strip():
            lines.append({"part_code": code, "part_name": name, "quantity": quantity})
    return lines


INTAKE_KEY = "intake:{tenant}:{token}"


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    manufacturer = request.tenant.manufacturer
    network = _active_network(request)
    owner = vehicle = None
    lookup = (request.GET.get("lookup") or "").strip()
    matches = list(owners_matching(lookup)[:10]) if lookup else []
    if request.GET.get("owner"):
        owner = Owner.objects.filter(pk=request.GET["owner"]).first()
        if owner is not None:
            vehicle = (
                vehicles_of(owner).filter(pk=request.GET.get("vehicle") or 0).first()
                or vehicles_of(owner).first()
            )
    line_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = IntakeForm(request.POST, network=network)
        lines = _posted_lines(request)
        if form.is_valid():
            data = form.cleaned_data
            key = INTAKE_KEY.format(tenant=request.tenant.pk, token=data["token"])
            # Submitting twice creates one work order: the second sees the first's number.
            if not cache.add(key, "", timeout=3600):
                for _wait in range(50):
                    number = cache.get(key)
                    if number:
                        return redirect("work-order", number=number)
                    time.sleep(0.1)
                form.add_error(None, _("This form is already being saved; open the board to find it."))
            else:
                vehicle_values = {
                    n: data[f"vehicle_{n}"]
                    for n in ("vin", "plate", "model", "purchase_date", "mileage_km", "use")
                }
                if not any(v for k, v in vehicle_values.items() if k != "use"):
                    vehicle_values = None
                elif not vehicle_values["use"]:
                    vehicle_values.pop("use")
                try:
                    work_order = work_order_create(
                        manufacturer=manufacturer,
                        actor=actor_of(request),
                        intake=Intake(
                            type=data["type"],
                            category=data["category"],
                            severity=data["severity"],
                            channel=data["channel"],
                            complaint=data["complaint"],
                            owner_demand=data["owner_demand"],
                            owner={
                                n: data[f"owner_{n}"]
                                for n in (
                                    "name",
                                    "gender",
                                    "mobile",
                                    "landline",
                                    "email",
                                    "province",
                                    "city",
                                    "address",
                                )
                            },
                            vehicle=vehicle_values,
                            part_lines=lines,
                            dealer_id=int(data["dealer"]) if data["dealer"] else None,
                        ),
                    )
                except ValidationError as exc:
                    cache.delete(key)
                    line_errors = apply_errors(form, exc, IntakeForm.ALIASES)
                else:
                    cache.set(key, work_order.number, timeout=3600)
                    messages.success(
                        request,
                        _("Work order %(number)s recorded and sent to %(dealer)s.")
                        % {"number": work_order.number, "dealer": work_order.dealer_name},
                    )
                    return redirect("work-order", number=work_order.number)
        else:
            # The field errors and the part lines' own, all at once.
            errors, _clean = check_part_lines(lines, required=request.POST.get("type") == "parts_shortage")
            line_errors = apply_errors(form, ValidationError(errors), IntakeForm.ALIASES) if errors else {}
        mobile = request.POST.get("owner_mobile", "").strip()
        owner = Owner.objects.filter(mobile=mobile).first() if mobile else None
        vin = request.POST.get("vehicle_vin", "").strip().upper()
        vehicle = Vehicle.objects.filter(vin=vin).first() if vin else None
    else:
        form = IntakeForm(initial=_intake_initial(owner, vehicle), network=network)
        lines = []
    suggestion = None
    if owner is not None or vehicle is not None:
        suggestion, _reason = dealer_suggest(manufacturer, vehicle=vehicle, city=owner.city if owner else "")
    rows = [
        {
            "values": line,
            "errors": {f: line_errors.get(f"{i}.{f}", []) for f in ("part_code", "part_name", "quantity")},
        }
        for i, line in enumerate(lines, start=1)
    ]
    return render(
        request,
        "hotline/work_orders/intake.html",
        {
            "form": form,
            "lookup": lookup,
            "matches": matches,
            "owner": owner,
            "vehicle": vehicle,
            "recent": _recent_of(owner),
            "suggestion": suggestion,
            "lines": rows,
            "max_lines": MAX_PART_LINES,
            "line_errors": line_errors.get("all"),
        },
    )


@login_required
def intake_hints(request: HttpRequest) -> HttpResponse:
    """While the agent types: the dealer that would be suggested, and the owner's recent work orders."""
    mobile = (request.GET.get("owner_mobile") or "").strip()
    vin = (request.GET.get("vehicle_vin") or "").strip().upper()
    owner = Owner.objects.filter(mobile=mobile).first() if mobile else None
    vehicle = Vehicle.objects.filter(vin=vin).first() if vin else None
    if owner is None and vehicle is not None:
        owner = vehicle.owner
    city = (request.GET.get("owner_city") or "").strip() or (owner.city if owner else "")
    suggestion, _reason = dealer_suggest(request.tenant.manufacturer, vehicle=vehicle, city=city)
    return render(
        request, "hotline/work_orders/_hints.html", {"suggestion": suggestion, "recent": _recent_of(owner)}
    )


# --- one work order ------------------------------------------------------------------------


def _work_order_or_404(number: str) -> WorkOrder:
    return get_object_or_404(WorkOrder.objects.select_related("owner", "vehicle", "repeat_of"), number=number)


def _context(request: HttpRequest, work_order: WorkOrder, **forms: Any) -> dict[str, Any]:
    network = _active_network(request)
    users = {
        u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in={work_order.created_by_id})
    }
    dealer_names = {m.dealer_id: f"{m.dealer_code} {m.dealer.name}" for m in network}
    transfers = list(work_order.transfer_requests.order_by("-requested_at"))
    for t in transfers:
        t.suggested_name = dealer_names.get(t.suggested_dealer_id, "")
    return {
        "wo": work_order,
        "part_lines": list(work_order.part_lines.all()),
        "clocks": list(work_order.clocks.order_by("started_at", "kind")),
        "events": list(work_order.events.order_by("id")),
        "callbacks": list(work_order.callbacks.order_by("at")),
        "transfers": transfers,
        "extensions": list(work_order.extension_requests.order_by("-requested_at")),
        "repeats": list(work_order.repeats.order_by("-received_at")),
        "created_by": users.get(work_order.created_by_id, ""),
        "is_supervisor": request.membership.role in SUPERVISOR_ROLES,
        "callback_form": forms.get("callback_form") or CallbackForm(),
        "reopen_form": forms.get("reopen_form") or ReasonForm(prefix="reopen"),
        "close_form": forms.get("close_form") or ReasonForm(prefix="close"),
        "cancel_form": forms.get("cancel_form") or ReasonForm(prefix="cancel"),
        "transfer_form": forms.get("transfer_form")
        or TransferDecisionForm(prefix="transfer", network=network),
        "extension_form": forms.get("extension_form") or ExtensionDecisionForm(prefix="extension"),
        "reassign_form": forms.get("reassign_form")
        or ReassignForm(prefix="reassign", network=network, current=work_order.dealer_id),
        "open_tab": forms.get("open_tab", ""),
    }


@login_required
@live_page
def work_order_page(request: HttpRequest, number: str) -> HttpResponse:
    work_order = _work_order_or_404(number)
    return render(request, "hotline/work_orders/detail.html", _context(request, work_order))


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
    work_order.refresh_from_db()
    return render(
        request,
        "hotline/work_orders/detail.html",
        _context(request, work_order, **{name: form, "open_tab": name}),
        status=400,
    )


@login_required
@require_POST
def work_order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    work_order = _work_order_or_404(number)
    actor = actor_of(request)
    if action == "callback":
        form = CallbackForm(request.POST)

        def do(d: dict) -> Any:
            reached = d["outcome"] == CallbackOutcome.REACHED
            return decisions.callback_record(
                work_order_id=work_order.pk,
                actor=actor,
                outcome=d["outcome"],
                score=d["score"] if reached else None,
                solved={"yes": True, "no": False}.get(d["solved"]) if reached else None,
                note=d["note"],
            )

        return _run(request, work_order, form, "callback_form", do, _("Callback recorded."))
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
        form = TransferDecisionForm(request.POST, prefix="transfer", network=_active_network(request))

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
    if action == "reassign":
        form = ReassignForm(
            request.POST, prefix="reassign", network=_active_network(request), current=work_order.dealer_id
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
