"""The hotline's webhook endpoints: administrators add them, choose events, rotate the secret,
send a test and read the delivery log; everyone else on the hotline may look."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.portal import apply_errors
from notifications.endpoints import (
    webhook_deliveries,
    webhook_endpoint_get,
    webhook_endpoint_update,
    webhook_endpoints,
    webhook_secret_rotate,
    webhook_test_send,
)
from notifications.models import WebhookEndpoint
from notifications.webhooks import webhook_delivery_replay, webhook_endpoint_create
from tenants.permissions import may

from ..events import EventKind, event_label


def _kinds() -> list[tuple[str, str]]:
    return [(k.value, event_label(k.value)) for k in EventKind]


def _require(request: HttpRequest) -> None:
    if not may(request.membership.role, "webhooks.manage"):
        raise PermissionDenied(_("Only the customer-service centre's administrators may do this."))


def _endpoint_or_404(pk: int) -> WebhookEndpoint:
    try:
        return webhook_endpoint_get(pk)
    except WebhookEndpoint.DoesNotExist as exc:
        raise Http404 from exc


class EndpointForm(forms.Form):
    url = forms.CharField(label=_lazy("Address (URL)"), max_length=500)
    description = forms.CharField(label=_lazy("Description"), required=False, max_length=200)
    event_kinds = forms.MultipleChoiceField(
        label=_lazy("Events (none chosen: all)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_kinds"].choices = _kinds()


class EndpointChangeForm(forms.Form):
    description = forms.CharField(label=_lazy("Description"), required=False, max_length=200)
    is_active = forms.BooleanField(label=_lazy("Active"), required=False)
    event_kinds = forms.MultipleChoiceField(
        label=_lazy("Events (none chosen: all)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_kinds"].choices = _kinds()


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    secret = None
    if request.method == "POST":
        _require(request)
        if form.is_valid():
            d = form.cleaned_data
            try:
                endpoint = webhook_endpoint_create(
                    url=d["url"].strip(), event_kinds=d["event_kinds"], description=d["description"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                secret = endpoint.secret
                form = EndpointForm()
    return render(
        request,
        "hotline/admin/webhooks.html",
        {
            "form": form,
            "endpoints": webhook_endpoints(),
            "secret": secret,
            "is_admin": may(request.membership.role, "webhooks.manage"),
        },
        status=400 if form.errors else 200,
    )


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    form = EndpointChangeForm(
        request.POST or None,
        initial={
            "description": endpoint.description,
            "is_active": endpoint.is_active,
            "event_kinds": endpoint.event_kinds,
        },
    )
    if request.method == "POST":
        _require(request)
        if form.is_valid():
            d = form.cleaned_data
            webhook_endpoint_update(
                endpoint_id=endpoint.pk,
                event_kinds=d["event_kinds"],
                description=d["description"],
                is_active=d["is_active"],
                known_kinds=[k for k, _label in _kinds()],
            )
            messages.success(request, _("Webhook saved."))
            return redirect("admin-webhook", pk=endpoint.pk)
    return render(
        request,
        "hotline/admin/webhook.html",
        {
            "endpoint": endpoint,
            "form": form,
            "deliveries": webhook_deliveries(endpoint.pk),
            "is_admin": may(request.membership.role, "webhooks.manage"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def webhook_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Rotate the secret (shown once), send a test, or replay one delivery."""
    endpoint = _endpoint_or_404(pk)
    _require(request)
    if action == "rotate":
        _endpoint, secret = webhook_secret_rotate(endpoint_id=endpoint.pk)
        return render(
            request,
            "hotline/admin/webhook.html",
            {
                "endpoint": endpoint,
                "form": EndpointChangeForm(
                    initial={"description": endpoint.description, "is_active": endpoint.is_active}
                ),
                "deliveries": webhook_deliveries(endpoint.pk),
                "is_admin": True,
                "secret": secret,
            },
        )
    if action == "test":
        delivery = webhook_test_send(endpoint_id=endpoint.pk, tenant_slug=request.tenant.slug)
        if delivery.status == "delivered":
            messages.success(
                request, _("Test delivered (HTTP %(code)s).") % {"code": delivery.last_status_code}
            )
        else:
            messages.error(request, _("Test not delivered: %(error)s.") % {"error": delivery.last_error})
        return redirect("admin-webhook", pk=endpoint.pk)
    if action == "replay":
        delivery_id = request.POST.get("delivery", "")
        if not delivery_id.isdigit() or not endpoint.deliveries.filter(pk=int(delivery_id)).exists():
            raise Http404
        webhook_delivery_replay(int(delivery_id))
        messages.success(request, _("The delivery will be sent again shortly."))
        return redirect("admin-webhook", pk=endpoint.pk)
    raise Http404
