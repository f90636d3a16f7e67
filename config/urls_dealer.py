"""A dealer's host: the dealer portal."""

from django.urls import include, path

from dealers.views import home

from .urls_common import handler403, handler404, handler500
from .urls_common import urlpatterns as common

urlpatterns = [
    path("", home.home, name="home"),
    path("api/v1/", include("config.api.urls_dealer")),
    *common,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
