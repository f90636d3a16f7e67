"""Files on a work order, from the hotline's page of it: attach, remove, download, thumbnail.

Only a person who may see the work order reaches a file (this host's members; a
file of another work order or another tenant is the plain 404); it is served as
the type its content was found to be, never the one it was uploaded with.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from config.files import stored_file_response
from config.portal import actor_of, apply_errors
from tenants.permissions import may

from ..models import Attachment
from ..selectors import attachments_visible
from ..services.attachments import attachment_remove, attachments_add
from .forms import AttachmentForm, AttachmentRemoveForm
from .work_orders import _context, _work_order_or_404


def _page_again(request: HttpRequest, number: str, form: Any) -> HttpResponse:
    attachment_form = form if isinstance(form, AttachmentForm) else None
    context = _context(request, number, attachment_form=attachment_form, open_tab="attachment_form")
    return render(request, "hotline/work_orders/detail.html", context, status=400)


@login_required
@require_POST
def attachment_add(request: HttpRequest, number: str) -> HttpResponse:
    work_order = _work_order_or_404(number)
    if not may(request.membership.role, "work_order.attach"):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES, prefix="attach")
    if form.is_valid():
        try:
            rows = attachments_add(
                work_order_id=work_order.pk, actor=actor_of(request), files=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_errors(form, exc, {})
        else:
            messages.success(
                request,
                ngettext("%(count)d file attached.", "%(count)d files attached.", len(rows))
                % {"count": len(rows)},
            )
            return redirect(reverse("work-order", args=[work_order.number]) + "#attachments")
    return _page_again(request, work_order.number, form)


@login_required
@require_POST
def attachment_remove_view(request: HttpRequest, number: str) -> HttpResponse:
    work_order = _work_order_or_404(number)
    if not may(request.membership.role, "work_order.attachment_remove"):
        raise PermissionDenied
    form = AttachmentRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the file to remove."))
        return _page_again(request, work_order.number, form)
    try:
        attachment_remove(
            work_order_id=work_order.pk,
            attachment_id=form.cleaned_data["attachment"],
            actor=actor_of(request),
        )
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _page_again(request, work_order.number, form)
    messages.success(request, _("File removed."))
    return redirect(reverse("work-order", args=[work_order.number]) + "#attachments")


def _attachment_or_404(number: str, pk: int) -> Attachment:
    found = attachments_visible(_work_order_or_404(number)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def attachment_download(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    row = _attachment_or_404(number, pk)
    return stored_file_response(row.key, content_type=row.content_type, name=row.name)


@login_required
@require_GET
def attachment_thumbnail(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    row = _attachment_or_404(number, pk)
    stem = row.name.rsplit(".", 1)[0]
    return stored_file_response(row.thumbnail_key, content_type="image/webp", name=f"{stem}-thumbnail.webp")
