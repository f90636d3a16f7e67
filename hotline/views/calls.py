"""Calls from the telephony system on the hotline portal: the pop-up, the callers' list, extensions.

The pop-up is a fragment the page fetches when the live path says a call rings
this agent (``live.call_push``) or when a page opens during a call; it shows the
caller's owner record, open and recent work orders and the repeat warning, and
one click to an intake prefilled from the call.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.portal import actor_of, apply_errors
from tenants.permissions import may
from tenants.selectors import staff_of

from ..selectors import CALLS_LISTED, agent_extensions, call_by_id, call_card, call_current_for, calls_recent
from ..services.calls import call_returned, extension_set


def _require(request: HttpRequest, action: str) -> None:
    if not may(request.membership.role, action):  # type: ignore[attr-defined]
        raise PermissionDenied


def _call_or_404(pk: int):
    call = call_by_id(pk)
    if call is None:
        raise Http404
    return call


@login_required
def call_popup(request: HttpRequest, pk: int) -> HttpResponse:
    """The pop-up of one call (a fragment)."""
    _require(request, "calls.read")
    card = call_card(_call_or_404(pk))
    return render(request, "hotline/calls/_popup.html", {"card": card})


@login_required
def call_current(request: HttpRequest) -> HttpResponse:
    """The pop-up of the call this agent has in hand now, if any (a page opened mid-call)."""
    _require(request, "calls.read")
    call = call_current_for(request.user.pk)
    if call is None:
        return HttpResponse(status=204)
    return render(request, "hotline/calls/_popup.html", {"card": call_card(call)})


@login_required
def calls(request: HttpRequest) -> HttpResponse:
    """The latest calls; missed ones wait on the list until someone has called back."""
    _require(request, "calls.read")
    to_return = request.GET.get("show") == "to-return"
    rows = list(calls_recent(to_return=to_return)[:CALLS_LISTED])
    return render(
        request,
        "hotline/calls/list.html",
        {"calls": rows, "to_return": to_return, "waiting": calls_recent(to_return=True).count()},
    )


@login_required
@require_POST
def call_returned_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "calls.return")
    call = _call_or_404(pk)
    try:
        call_returned(call_id=call.pk, actor=actor_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as called back."))
    return redirect(f"{reverse('calls')}?show=to-return")


class ExtensionForm(forms.Form):
    user = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    extension = forms.CharField(label=_lazy("Extension"), max_length=20, required=False)


@login_required
def telephony_admin(request: HttpRequest) -> HttpResponse:
    """Who answers on which extension (the telephony system names agents by either)."""
    is_admin = may(request.membership.role, "telephony.manage")  # type: ignore[attr-defined]
    staff = list(staff_of(request.tenant))  # type: ignore[attr-defined]
    form = ExtensionForm(request.POST or None)
    if request.method == "POST":
        _require(request, "telephony.manage")
        if form.is_valid():
            user_id = form.cleaned_data["user"]
            if user_id not in {m.user_id for m in staff}:
                raise Http404
            try:
                extension_set(
                    user_id=user_id, extension=form.cleaned_data["extension"], actor=actor_of(request)
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Extension saved."))
                return redirect("admin-telephony")
    extensions = agent_extensions()
    rows = [{"membership": m, "extension": extensions.get(m.user_id, "")} for m in staff]
    return render(
        request,
        "hotline/admin/telephony.html",
        {"rows": rows, "form": form, "is_admin": is_admin},
        status=400 if form.errors else 200,
    )
