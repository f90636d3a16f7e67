"""The hotline's notes on a work order, and the owner's calls about it, from the work order's page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.portal import actor_of, apply_errors
from tenants.permissions import may

from ..services.notes import hotline_note_add, owner_call_log
from .forms import HotlineNoteForm, OwnerCallForm
from .work_orders import _context, _work_order_or_404


def _save(request: HttpRequest, number: str, form: forms.Form, name: str, action, done: str) -> HttpResponse:
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc, {})
        else:
            messages.success(request, done)
            return redirect("work-order", number=number)
    context = _context(request, number, **{name: form, "open_tab": name})
    return render(request, "hotline/work_orders/detail.html", context, status=400)


@login_required
@require_POST
def note_add(request: HttpRequest, number: str) -> HttpResponse:
    work_order = _work_order_or_404(number)
    if not may(request.membership.role, "work_order.note"):
        raise PermissionDenied
    actor = actor_of(request)
    return _save(
        request,
        work_order.number,
        HotlineNoteForm(request.POST, prefix="note"),
        "note_form",
        lambda d: hotline_note_add(work_order_id=work_order.pk, actor=actor, text=d["text"]),
        _("Note added."),
    )


@login_required
@require_POST
def owner_call_add(request: HttpRequest, number: str) -> HttpResponse:
    work_order = _work_order_or_404(number)
    if not may(request.membership.role, "work_order.owner_call"):
        raise PermissionDenied
    actor = actor_of(request)
    return _save(
        request,
        work_order.number,
        OwnerCallForm(request.POST, prefix="owner_call"),
        "owner_call_form",
        lambda d: owner_call_log(
            work_order_id=work_order.pk, actor=actor, topic=d["topic"], summary=d["summary"], at=d["at"]
        ),
        _("The owner's call is logged."),
    )
