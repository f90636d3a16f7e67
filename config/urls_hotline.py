"""A manufacturer's hotline host: the customer-service centre."""

from django.urls import include, path

from hotline.events import notifying_kinds
from hotline.views import (
    administration,
    attachments,
    callbacks,
    calls,
    conversation,
    home,
    kpis,
    notes,
    owner,
    root_causes,
    sms_replies,
    webhooks,
    work_orders,
)
from notifications import views as notification_views
from parts_tickets import portal as parts_portal
from parts_tickets import views as parts_views
from tenants.views import people

from .urls_common import handler403, handler404, handler500
from .urls_common import urlpatterns as common

NOTIFYING = notifying_kinds()

urlpatterns = [
    path("", home.home, name="home"),
    path("network/", home.network, name="network"),
    path("sms/replies/<slug:provider>/<token:token>/", sms_replies.sms_replies, name="sms-replies"),
    path("o/<str:token>/", owner.owner_answer, name="owner-answer"),  # signed: the view checks it
    path("api/v1/", include("config.api.urls_hotline")),
    path("work-orders/", work_orders.board, name="board"),
    path("work-orders/new/", work_orders.intake, name="intake"),
    path("work-orders/new/hints/", work_orders.intake_hints, name="intake-hints"),
    path("work-orders/bulk/", work_orders.board_bulk_reassign, name="board-bulk"),
    path("numbers-to-verify/", callbacks.numbers_to_verify, name="numbers-to-verify"),
    path("work-orders/<code:number>/", work_orders.work_order_page_view, name="work-order"),
    path("work-orders/<code:number>/notes/", notes.note_add, name="work-order-note"),
    path("work-orders/<code:number>/attachments/", attachments.attachment_add, name="work-order-attachments"),
    path(
        "work-orders/<code:number>/attachments/remove/",
        attachments.attachment_remove_view,
        name="work-order-attachment-remove",
    ),
    path(
        "work-orders/<code:number>/attachments/<id:pk>/",
        attachments.attachment_download,
        name="work-order-attachment",
    ),
    path(
        "work-orders/<code:number>/attachments/<id:pk>/thumbnail/",
        attachments.attachment_thumbnail,
        name="work-order-attachment-thumbnail",
    ),
    path("work-orders/<code:number>/owner-calls/", notes.owner_call_add, name="work-order-owner-call"),
    path("work-orders/<code:number>/messages/", conversation.message_add, name="work-order-message"),
    path("work-orders/<code:number>/<slug:action>/", work_orders.work_order_action, name="work-order-action"),
    path("queues/", work_orders.queues, name="queues"),
    path("calls/", calls.calls, name="calls"),
    path("calls/current/", calls.call_current, name="call-current"),
    path("calls/<id:pk>/", calls.call_popup, name="call-popup"),
    path("calls/<id:pk>/returned/", calls.call_returned_view, name="call-returned"),
    path("kpis/", kpis.kpis, name="kpis"),
    path("kpis/parts-centres/", parts_views.turnaround_download, name="kpis-parts-centres"),
    path("administration/", administration.sla_policy, name="admin-policy"),
    path("administration/calendar/", administration.calendar, name="admin-calendar"),
    path("administration/sms/", administration.sms_templates, name="admin-sms"),
    path("administration/callbacks/", callbacks.callback_policy, name="admin-callbacks"),
    path("administration/questionnaires/", callbacks.questionnaires, name="admin-questionnaires"),
    path("administration/scripts/", callbacks.callback_scripts, name="admin-scripts"),
    path(
        "administration/questionnaires/<slug:purpose>/",
        callbacks.questionnaires,
        name="admin-questionnaires",
    ),
    path("administration/root-causes/", root_causes.root_cause_list, name="admin-root-causes"),
    path("administration/root-causes/<id:pk>/", root_causes.root_cause_edit, name="admin-root-cause"),
    path("administration/users/", people.staff, name="admin-users"),
    path("administration/users/<id:pk>/role/", people.staff_role, name="admin-user-role"),
    path("administration/users/<id:pk>/revoke/", people.staff_revoke, name="admin-user-revoke"),
    path("administration/audit/", people.audit_log, name="admin-audit"),
    path("administration/network/", administration.network, name="admin-network"),
    path("administration/network/dealers/", administration.network_dealer_add, name="admin-network-dealer"),
    path("administration/network/import/", administration.network_import, name="admin-network-import"),
    path(
        "administration/network/invitations/",
        administration.network_dealer_invite,
        name="admin-network-invite",
    ),
    path("administration/network/regions/", administration.network_region_add, name="admin-network-region"),
    path(
        "administration/network/regions/<id:pk>/parts-centre/",
        administration.network_region_centre,
        name="admin-network-region-centre",
    ),
    path(
        "administration/network/parts-centres/",
        administration.network_centre_add,
        name="admin-network-centre",
    ),
    path("administration/telephony/", calls.telephony_admin, name="admin-telephony"),
    path("administration/api-keys/", administration.api_keys, name="admin-api-keys"),
    path(
        "administration/api-keys/<id:pk>/revoke/",
        administration.api_key_revoke_view,
        name="admin-api-key-revoke",
    ),
    path("administration/webhooks/", webhooks.webhooks, name="admin-webhooks"),
    path("administration/webhooks/<id:pk>/", webhooks.webhook_detail, name="admin-webhook"),
    path(
        "administration/webhooks/<id:pk>/<slug:action>/",
        webhooks.webhook_action,
        name="admin-webhook-action",
    ),
    # The parts-centre portal: a centre's own staff work its requests (parts_tickets/portal.py).
    path("parts-centre/", parts_portal.queue, name="parts-centre"),
    path("parts-centre/<code:number>/", parts_portal.request_page, name="parts-centre-request"),
    path(
        "parts-centre/<code:number>/acknowledge/",
        parts_portal.acknowledge,
        name="parts-centre-acknowledge",
    ),
    path(
        "parts-centre/<code:number>/lines/<id:line_no>/<slug:action>/",
        parts_portal.line_action,
        name="parts-centre-line",
    ),
    path("notifications/", notification_views.notification_centre, name="notifications"),
    path(
        "notifications/preferences/",
        notification_views.notification_preferences,
        {"kinds": NOTIFYING},
        name="notification-preferences",
    ),
    path("administration/robots/", notification_views.robot_list, {"kinds": NOTIFYING}, name="robots"),
    path(
        "administration/robots/<id:pk>/", notification_views.robot_detail, {"kinds": NOTIFYING}, name="robot"
    ),
    path("administration/robots/<id:pk>/test/", notification_views.robot_test, name="robot-test"),
    *common,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
