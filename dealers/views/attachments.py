"""Files on a work order, from the dealer's page of it: attach, remove, download, thumbnail.

Everything goes through ``DealerGateway``: a work order not routed here, or a
file this dealer may not see (another dealer's, another network's), is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from config.files import stored_file_response
from config.portal import actor_of, apply_errors
from hotline.views.forms import AttachmentForm, AttachmentRemoveForm
from tenants.permissions import may

from ..gateway import DealerGateway
from .work_orders import _context


def _page(manufacturer: str, number: str) -> str:
    return reverse("work-order", args=[manufacturer, number]) + "#attachments"


def _page_again(request: HttpRequest, gateway: DealerGateway, manufacturer: str, number: str, form: Any):
    view = gateway.work_order(manufacturer, number)
    attachment_form = form if isinstance(form, AttachmentForm) else None
    context = _context(request, view, attachment_form=attachment_form, open_tab="attachments")
    return render(request, "dealers/work_order.html", context, status=400)


@login_required
@require_POST
def attachment_add(request: HttpRequest, manufacturer: str, number: str) -> HttpResponse:
    gateway = DealerGateway(request.tenant)
    gateway.work_order(manufacturer, number, page=False)  # 404 before anything when not routed here
    if not may(request.membership.role, "dealer.attach"):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES, prefix="attach")
    if form.is_valid():
        try:
            rows = gateway.attach(
                manufacturer, number, actor=actor_of(request), files=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_errors(form, exc, {})
        else:
            messages.success(
                request,
                ngettext("%(count)d file attached.", "%(count)d files attached.", len(rows))
                % {"count": len(rows)},
            )
            return redirect(_page(manufacturer, number))
    return _page_again(request, gateway, manufacturer, number, form)


@login_required
@require_POST
def attachment_remove_view(request: HttpRequest, manufacturer: str, number: str) -> HttpResponse:
    gateway = DealerGateway(request.tenant)
    gateway.work_order(manufacturer, number, page=False)
    if not may(request.membership.role, "dealer.attachment_remove"):
        raise PermissionDenied
    form = AttachmentRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the file to remove."))
        return _page_again(request, gateway, manufacturer, number, form)
    try:
        gateway.attachment_remove(
            manufacturer, number, form.cleaned_data["attachment"], actor=actor_of(request)
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _page_again(request, gateway, manufacturer, number, form)
    messages.success(request, _("File removed."))
    return redirect(_page(manufacturer, number))


@login_required
@require_GET
def attachment_download(request: HttpRequest, manufacturer: str, number: str, pk: int) -> HttpResponse:
    row = DealerGateway(request.tenant).attachment(manufacturer, number, pk)
    return stored_file_response(row.key, content_type=row.content_type, name=row.name)


@login_required
@require_GET
def attachment_thumbnail(request: HttpRequest, manufacturer: str, number: str, pk: int) -> HttpResponse:
    row = DealerGateway(request.tenant).attachment(manufacturer, number, pk)
    stem = row.name.rsplit(".", 1)[0]
    return stored_file_response(row.thumbnail_key, content_type="image/webp", name=f"{stem}-thumbnail.webp")
