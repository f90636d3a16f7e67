"""The conversation with the dealer on the work order's page: the hotline's side."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.portal import actor_of, apply_errors
from tenants.permissions import may

from ..selectors import conversation_people
from ..services.conversation import message_post
from .forms import MessageForm
from .work_orders import _context, _work_order_or_404


@login_required
@require_POST
def message_add(request: HttpRequest, number: str) -> HttpResponse:
    """Post a message (with its mentions); bad input shows the page again with the errors in place."""
    work_order = _work_order_or_404(number)
    if not may(request.membership.role, "work_order.message"):
        raise PermissionDenied
    people = conversation_people(work_order, request.tenant)
    form = MessageForm(request.POST, request.FILES, prefix="message", people=people)
    if form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            message_post(
                work_order_id=work_order.pk,
                actor=actor_of(request),
                text=data["text"],
                mentions=data["mentions"],
                files=data["file"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, {})
        else:
            messages.success(request, _("Message sent."))
            return redirect(f"{reverse('work-order', args=[work_order.number])}#conversation")
    context = _context(request, work_order.number, message_form=form)
    return render(request, "hotline/work_orders/detail.html", context, status=400)
