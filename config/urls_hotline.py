"""A manufacturer's hotline host: the customer-service centre."""

from django.urls import include, path

from hotline.views import home, sms_replies

from .urls_common import handler403, handler404, handler500
from .urls_common import urlpatterns as common

urlpatterns = [
    path("", home.home, name="home"),
    path("network/", home.network, name="network"),
    path("sms/replies/<slug:provider>/<str:token>/", sms_replies.sms_replies,
         name="sms-replies"),
    path("api/v1/", include("config.api.urls_hotline")),
    *common,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
