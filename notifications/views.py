"""The notification centre, the preferences and the group-chat robots, on every hotline and dealer
host: a person's own notifications grouped by work order, their choices, and (administrators)
the tenant's robots.

The URL confs pass ``kinds``: the kinds of news that tell people, with their labels (the event
catalogue's, ``hotline.events.notifying_kinds``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.portal import apply_errors, live_page
from tenants.permissions import may

from .models import NotificationChannels, NotificationPreference, Robot, RobotKind
from .robots import (
    delivery_line,
    masked,
    masked_url,
    robot_create,
    robot_deliveries,
    robot_get,
    robot_test_send,
    robot_update,
    robots,
)
from .sentences import ASSIGNED, ROBOT_DEFAULT, work_order_path
from .services import (
    notification_groups,
    notification_preference_set,
    notification_text,
    notifications_mark_read,
)

Kinds = Sequence[tuple[str, object]]
PANEL_GROUPS = 8


def _here(request: HttpRequest, kinds: Kinds) -> Kinds:
    """The kinds that can reach this tenant's people: a dealer's own assignments stay with the dealer."""
    if request.tenant.type == "hotline":
        return [(k, label) for k, label in kinds if k != ASSIGNED]
    return kinds


def _groups(request: HttpRequest, limit: int) -> list:
    groups = notification_groups(request.user.pk, limit=limit)
    for group in groups:
        # A link only when one of the news is about a work order this reader holds.
        paths = {
            work_order_path(request.tenant.type, group.manufacturer_code, group.work_order_number, item.kind)
            for item in group.items
        } - {None}
        group.url = paths.pop() if paths else None
        for item in group.items:
            item.text = notification_text(item)
        facts = group.newest.facts or {}
        group.about = " · ".join(v for v in (facts.get("plate"), facts.get("owner")) if v)
    return groups


@login_required
@live_page
def notification_centre(request: HttpRequest) -> HttpResponse:
    """The person's notifications, one entry per work order (the newest sentence, the unread
    count, each change when opened). POST marks read: all, one work order's, or one.
    ``?panel=1``: the short list the top bar's menu shows."""
    if request.method == "POST":
        one, group = request.POST.get("id", ""), request.POST.get("group", "")
        if one.isdigit():
            notifications_mark_read(request.user.pk, [int(one)])
        elif ":" in group:
            code, _sep, number = group.partition(":")
            notifications_mark_read(request.user.pk, work_order=(code, number))
        else:
            notifications_mark_read(request.user.pk)
        return redirect("notifications")
    if request.GET.get("panel"):
        return render(request, "notifications/_panel.html", {"groups": _groups(request, PANEL_GROUPS)})
    return render(request, "notifications/centre.html", {"groups": _groups(request, 100)})


class PreferenceForm(forms.Form):
    robot_mention = forms.BooleanField(
        label=_lazy("Mention me in group-chat robots' messages"), required=False
    )


@login_required
def notification_preferences(request: HttpRequest, kinds: Kinds) -> HttpResponse:
    """Per kind of news: in the app, by e-mail; whether robots mention the person; the browser's
    sound and desktop notification (kept in the browser)."""
    kinds = _here(request, kinds)
    user_id = request.user.pk
    chosen = {p.kind: p for p in NotificationPreference.objects.filter(user_id=user_id)}
    channels = NotificationChannels.objects.filter(user_id=user_id).first()
    if request.method == "POST":
        for kind, _label in kinds:
            notification_preference_set(
                user_id=user_id,
                kind=kind,
                in_app=request.POST.get(f"in_app:{kind}") == "on",
                email=request.POST.get(f"email:{kind}") == "on",
            )
        NotificationChannels.objects.update_or_create(
            user_id=user_id, defaults={"robot_mention": request.POST.get("robot_mention") == "on"}
        )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification-preferences")
    rows = [
        {
            "kind": kind,
            "label": label,
            "in_app": chosen[kind].in_app if kind in chosen else True,
            "email": chosen[kind].email if kind in chosen else None,
        }
        for kind, label in kinds
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "robot_mention": channels.robot_mention if channels else True},
    )


# --- robots -----------------------------------------------------------------------------------


def _permission(request: HttpRequest) -> str:
    return "robots.manage" if request.tenant.type == "hotline" else "dealer.robots.manage"


def _require(request: HttpRequest) -> None:
    if not may(request.membership.role, _permission(request)):
        raise PermissionDenied(_("Only this tenant's administrators may manage its robots."))


def _robot_or_404(pk: int) -> Robot:
    try:
        return robot_get(pk)
    except Robot.DoesNotExist as exc:
        raise Http404 from exc


class RobotForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("Kind"), choices=RobotKind.choices)
    name = forms.CharField(label=_lazy("Name (the group chat)"), max_length=60)
    url = forms.CharField(label=_lazy("Webhook URL"), max_length=500)
    secret = forms.CharField(
        label=_lazy("DingTalk signing secret (optional)"), required=False, max_length=128, strip=True
    )
    event_kinds = forms.MultipleChoiceField(label=_lazy("News it posts"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, kinds: Kinds = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_kinds"].choices = [(k, str(label)) for k, label in kinds]


class RobotChangeForm(forms.Form):
    name = forms.CharField(label=_lazy("Name (the group chat)"), max_length=60)
    is_active = forms.BooleanField(label=_lazy("Active"), required=False)
    url = forms.CharField(label=_lazy("New webhook URL (empty: keep)"), required=False, max_length=500)
    secret = forms.CharField(label=_lazy("New signing secret (empty: keep)"), required=False, max_length=128)
    event_kinds = forms.MultipleChoiceField(label=_lazy("News it posts"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, kinds: Kinds = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_kinds"].choices = [(k, str(label)) for k, label in kinds]


@login_required
def robot_list(request: HttpRequest, kinds: Kinds) -> HttpResponse:
    _require(request)
    kinds = _here(request, kinds)
    known = {k for k, _label in kinds}
    form = RobotForm(
        request.POST or None, kinds=kinds, initial={"event_kinds": [k for k in ROBOT_DEFAULT if k in known]}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            robot = robot_create(
                kind=d["kind"],
                name=d["name"],
                url=d["url"],
                secret=d["secret"],
                event_kinds=d["event_kinds"],
                known_kinds=[k for k, _label in kinds],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Robot added. Send it a test message to check the group receives it.")
            )
            return redirect("robot", pk=robot.pk)
    items = list(robots())
    for robot in items:
        robot.shown_url = masked_url(robot.url)
    return render(
        request,
        "notifications/robots.html",
        {"form": form, "robots": items},
        status=400 if form.errors else 200,
    )


@login_required
def robot_detail(request: HttpRequest, pk: int, kinds: Kinds) -> HttpResponse:
    robot = _robot_or_404(pk)
    _require(request)
    kinds = _here(request, kinds)
    form = RobotChangeForm(
        request.POST or None,
        kinds=kinds,
        initial={"name": robot.name, "is_active": robot.is_active, "event_kinds": robot.event_kinds},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            robot_update(
                robot_id=robot.pk,
                known_kinds=[k for k, _label in kinds],
                name=d["name"],
                event_kinds=d["event_kinds"],
                is_active=d["is_active"],
                url=d["url"],
                secret=d["secret"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Robot saved."))
            return redirect("robot", pk=robot.pk)
    deliveries = robot_deliveries(robot.pk)
    for delivery in deliveries:
        delivery.line = delivery_line(delivery)
    labels = {k: str(label) for k, label in kinds}
    return render(
        request,
        "notifications/robot.html",
        {
            "robot": robot,
            "shown_url": masked_url(robot.url),
            "shown_secret": masked(robot.secret),
            "kind_labels": [labels.get(k, k) for k in robot.event_kinds],
            "form": form,
            "deliveries": deliveries,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    robot = _robot_or_404(pk)
    _require(request)
    delivery = robot_test_send(robot_id=robot.pk)
    if delivery.status == "delivered":
        messages.success(request, _("The test message was delivered."))
    else:
        messages.error(
            request, _("The test message was not delivered: %(error)s") % {"error": delivery.last_error}
        )
    return redirect("robot", pk=robot.pk)
