"""The parts-centre portal (/parts-centre/ on the manufacturer's hotline host).

For a parts centre without systems of its own: its staff (``parts_centre_staff``,
a member of the hotline tenant for one centre) see the centre's queue and work
each request line by line through the very services the parts-centre API calls.
Every lookup is filtered by the person's centre: another centre's request, or
another manufacturer's, is the plain 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.portal import actor_of, errors_of, human_duration
from tenants.permissions import may

from . import services
from .models import PartsRequest, PartsRequestLine, RequestState
from .selectors import (
    OPEN_REQUEST_STATES,
    dealers_of_requests,
    parts_queue_for_centre,
    parts_request_for_centre,
)
from .services import FINAL_LINE_STATES

PAGE_SIZE = 50


class QueueFilter(forms.Form):
    state = forms.ChoiceField(label=_lazy("State"), required=False)
    dealer = forms.CharField(label=_lazy("Dealer code"), required=False, max_length=32)
    number = forms.CharField(label=_lazy("Number"), required=False, max_length=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [
            ("open", _lazy("Open")),
            ("all", _lazy("All")),
            *RequestState.choices,
        ]


class BackOrderForm(forms.Form):
    expected_date = forms.DateField(
        label=_lazy("Expected date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_lazy("Carrier"), max_length=60)
    tracking_number = forms.CharField(label=_lazy("Tracking number"), max_length=60)
    quantity = forms.IntegerField(
        label=_lazy("Quantity"),
        required=False,
        min_value=1,
        help_text=_lazy("Empty: what is left of the line."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AllocateForm(forms.Form):
    pass


LINE_FORMS: dict[str, type[forms.Form]] = {
    "allocate": AllocateForm,
    "back-order": BackOrderForm,
    "ship": ShipForm,
    "reject": RejectForm,
}


def _centre(request: HttpRequest, action: str) -> int:
    """The person's parts centre; a role the matrix does not allow ``action`` is refused (403)."""
    membership = request.membership  # type: ignore[attr-defined]
    if not may(membership.role, action) or membership.parts_centre_id is None:
        raise PermissionDenied(_("Your role may not do this."))
    return membership.parts_centre_id


def _manufacturer_id(request: HttpRequest) -> int:
    return request.tenant.manufacturer.pk  # type: ignore[attr-defined]


def _own(request: HttpRequest, centre_id: int, number: str) -> PartsRequest:
    try:
        return parts_request_for_centre(parts_centre_id=centre_id, number=number)
    except PartsRequest.DoesNotExist as exc:
        raise Http404 from exc


def _waiting(parts_request: PartsRequest) -> str:
    return human_duration((timezone.now() - parts_request.raised_at).total_seconds())


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The centre's requests: open ones first (the longest waiting on top), filters, pages.

    A filter that is not valid is named on its field and left out (the default list shows)."""
    centre_id = _centre(request, "parts.read")
    form = QueueFilter(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    requests = parts_queue_for_centre(
        parts_centre_id=centre_id,
        manufacturer_id=_manufacturer_id(request),
        state=values.get("state") or "open",
        dealer_code=(values.get("dealer") or "").strip(),
        number=(values.get("number") or "").strip(),
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    dealers = dealers_of_requests(_manufacturer_id(request), {r.dealer_id for r in page})
    rows = [
        {
            "request": r,
            "dealer": dealers.get(r.dealer_id, ("", "")),
            "waiting": _waiting(r) if r.state in OPEN_REQUEST_STATES else "",
            "expected": min(
                (line.expected_date for line in r.lines.all() if line.expected_date), default=None
            ),
        }
        for r in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "parts_tickets/portal/queue.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "centre": request.membership.parts_centre,  # type: ignore[attr-defined]
            "filtered": bool(request.GET.get("dealer") or request.GET.get("number")),
        },
        status=400 if form.errors else 200,
    )


def _request_page(
    request: HttpRequest,
    parts_request: PartsRequest,
    *,
    bound: tuple[int, str, forms.Form] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The request with its lines; each open line with its actions' forms (one of them bound)."""
    dealers = dealers_of_requests(_manufacturer_id(request), {parts_request.dealer_id})
    problems = list(problems or [])
    lines = []
    for line in parts_request.lines.all():
        line_forms = {}
        if line.state not in FINAL_LINE_STATES:
            for name, form_class in LINE_FORMS.items():
                key = name.replace("-", "_")  # the template reads forms.back_order
                if bound and bound[0] == line.line_no and bound[1] == name:
                    line_forms[key] = bound[2]
                else:
                    line_forms[key] = form_class(prefix=f"l{line.line_no}")
        elif bound and bound[0] == line.line_no:  # the line closed meanwhile: say why nothing happened
            problems.extend(str(m) for errors in bound[2].errors.values() for m in errors)
        lines.append({"line": line, "forms": line_forms})
    return render(
        request,
        "parts_tickets/portal/request.html",
        {
            "pr": parts_request,
            "work_order": parts_request.work_order,
            "dealer": dealers.get(parts_request.dealer_id, ("", "")),
            "lines": lines,
            "waiting": _waiting(parts_request),
            "problems": problems,
            "can_work": may(request.membership.role, "parts.work"),  # type: ignore[attr-defined]
            "centre": request.membership.parts_centre,  # type: ignore[attr-defined]
        },
        status=status,
    )


@login_required
def request_page(request: HttpRequest, number: str) -> HttpResponse:
    centre_id = _centre(request, "parts.read")
    return _request_page(request, _own(request, centre_id, number))


@login_required
@require_POST
def acknowledge(request: HttpRequest, number: str) -> HttpResponse:
    """The centre takes the request on (``parts_request_acknowledge``, as the API)."""
    centre_id = _centre(request, "parts.work")
    parts_request = _own(request, centre_id, number)
    try:
        services.parts_request_acknowledge(
            request_id=parts_request.pk, parts_centre_id=centre_id, actor=actor_of(request)
        )
    except ValidationError as exc:
        problems = [m for messages_ in errors_of(exc).values() for m in messages_]
        return _request_page(request, _own(request, centre_id, number), problems=problems, status=400)
    messages.success(request, _("Request %(number)s acknowledged.") % {"number": number})
    return redirect("parts-centre-request", number=number)


def _act(action: str, line: PartsRequestLine, data: dict, common: dict) -> Callable[[], Any]:
    """The API's service for each line action, called as the API calls it."""
    if action == "allocate":
        return lambda: services.parts_line_allocate(line_no=line.line_no, **common)
    if action == "back-order":
        return lambda: services.parts_line_back_order(
            line_no=line.line_no, expected_date=data["expected_date"], **common
        )
    if action == "reject":
        return lambda: services.parts_line_reject(line_no=line.line_no, reason=data["reason"], **common)
    line_spec = {"line_no": line.line_no}
    if data.get("quantity") is not None:
        line_spec["quantity"] = data["quantity"]
    return lambda: services.parts_shipment_send(
        carrier=data["carrier"], tracking_number=data["tracking_number"], lines=[line_spec], **common
    )


DONE = {
    "allocate": _lazy("Line %(line)s allocated."),
    "back-order": _lazy("Line %(line)s back-ordered."),
    "ship": _lazy("Line %(line)s shipped."),
    "reject": _lazy("Line %(line)s rejected."),
}


def _field_of(name: str) -> str | None:
    """A service's error key as the line form's field (``lines[1].quantity`` → ``quantity``)."""
    field = name.rsplit(".", 1)[-1] if name.startswith("lines[") else name
    return field if field in ("expected_date", "carrier", "tracking_number", "quantity", "reason") else None


@login_required
@require_POST
def line_action(request: HttpRequest, number: str, line_no: int, action: str) -> HttpResponse:
    """Allocate, back-order (expected date), ship (carrier, tracking number) or reject (reason)."""
    centre_id = _centre(request, "parts.work")
    parts_request = _own(request, centre_id, number)
    form_class = LINE_FORMS.get(action)
    line = next((x for x in parts_request.lines.all() if x.line_no == line_no), None)
    if form_class is None or line is None:
        raise Http404
    form = form_class(request.POST, prefix=f"l{line_no}")
    if form.is_valid():
        common = {"request_id": parts_request.pk, "parts_centre_id": centre_id, "actor": actor_of(request)}
        try:
            _act(action, line, form.cleaned_data, common)()
        except ValidationError as exc:
            for name, texts in errors_of(exc).items():
                field = _field_of(name)
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(request, DONE[action] % {"line": line_no})
            return redirect("parts-centre-request", number=number)
    return _request_page(request, _own(request, centre_id, number), bound=(line_no, action, form), status=400)
