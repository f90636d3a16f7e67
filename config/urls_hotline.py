"""A manufacturer's hotline host: the customer-service centre."""

from django.urls import include, path

from hotline.views import home

from .urls_common import handler403, handler404, handler500
from .urls_common import urlpatterns as common

urlpatterns = [
    path("", home.home, name="home"),
    path("network/", home.network, name="network"),
    path("api/v1/", include("config.api.urls_hotline")),
    *common,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
