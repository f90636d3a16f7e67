"""A dealer's host: the dealer portal."""

from django.urls import include, path

from dealers.views import administration, attachments, dashboard, kpis, work_orders
from hotline.events import notifying_kinds
from notifications import views as notification_views
from tenants.views import people

from .urls_common import handler403, handler404, handler500
from .urls_common import urlpatterns as common

NOTIFYING = notifying_kinds()

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path("digest/", dashboard.digest, name="digest"),
    path("work-orders/", work_orders.inbox, name="inbox"),
    path("work-orders/bulk/", work_orders.inbox_bulk_assign, name="inbox-bulk"),
    path("work-orders/<code:manufacturer>/<code:number>/", work_orders.work_order_page, name="work-order"),
    path(
        "work-orders/<code:manufacturer>/<code:number>/attachments/",
        attachments.attachment_add,
        name="work-order-attachments",
    ),
    path(
        "work-orders/<code:manufacturer>/<code:number>/attachments/remove/",
        attachments.attachment_remove_view,
        name="work-order-attachment-remove",
    ),
    path(
        "work-orders/<code:manufacturer>/<code:number>/attachments/<id:pk>/",
        attachments.attachment_download,
        name="work-order-attachment",
    ),
    path(
        "work-orders/<code:manufacturer>/<code:number>/attachments/<id:pk>/thumbnail/",
        attachments.attachment_thumbnail,
        name="work-order-attachment-thumbnail",
    ),
    path(
        "work-orders/<code:manufacturer>/<code:number>/messages/",
        work_orders.message_add,
        name="work-order-message",
    ),
    path(
        "work-orders/<code:manufacturer>/<code:number>/<slug:action>/",
        work_orders.work_order_action,
        name="work-order-action",
    ),
    path("kpis/", kpis.kpis, name="kpis"),
    path("administration/users/", people.staff, name="admin-users"),
    path("administration/users/<id:pk>/role/", people.staff_role, name="admin-user-role"),
    path("administration/users/<id:pk>/revoke/", people.staff_revoke, name="admin-user-revoke"),
    path("administration/networks/", administration.networks, name="admin-networks"),
    path("administration/networks/rescue/", administration.network_rescue, name="admin-networks-rescue"),
    path("administration/audit/", people.audit_log, name="admin-audit"),
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
    path("api/v1/", include("config.api.urls_dealer")),
    *common,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
