"""Pages every portal shares: the tenant switcher, saved views of the lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.portal import errors_of, port_of

from ..models import SavedView, TenantType
from ..selectors import memberships_of, portal_url
from ..services.saved_views import saved_view_delete, saved_view_query, saved_view_save

# The list a tenant type's portal keeps views of, and the page (URL name) that shows it.
LIST_PAGES = {TenantType.HOTLINE: {"board": "board"}, TenantType.DEALER: {"inbox": "inbox"}}


def _list_page(request: HttpRequest) -> str:
    """The URL name of the list the form names, on this host's portal; 404 for any other."""
    target = LIST_PAGES.get(request.tenant.type, {}).get(request.POST.get("page", ""))
    if target is None:
        raise Http404
    return target


@login_required
def switch_tenant(request: HttpRequest) -> HttpResponse:
    """Every tenant the user belongs to, with the address of its portal."""
    places = [
        {
            "membership": m,
            "url": portal_url(m.tenant, port=port_of(request) or 0),
            "current": m.tenant_id == request.tenant.pk,
        }
        for m in memberships_of(request.user)
    ]
    return render(request, "tenants/switch.html", {"places": places})


@login_required
@require_POST
def saved_view_save_view(request: HttpRequest) -> HttpResponse:
    """Keep the list's filters under a name; back to the list, with the view's filters."""
    target = _list_page(request)
    page = request.POST["page"]
    try:
        view = saved_view_save(
            tenant=request.tenant,
            user=request.user,
            page=page,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "on",
        )
    except ValidationError as exc:
        for message in errors_of(exc).values():
            for text in message:
                messages.error(request, text)
        query = saved_view_query(request.POST.get("query", ""))
        return redirect(f"{reverse(target)}?{query}" if query else reverse(target))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{reverse(target)}?{view.query}&view={view.pk}" if view.query else reverse(target))


@login_required
@require_POST
def saved_view_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = _list_page(request)
    try:
        saved_view_delete(tenant=request.tenant, user=request.user, view_id=pk)
    except SavedView.DoesNotExist as exc:
        raise Http404 from exc
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("View removed."))
    return redirect(reverse(target))
