"""The public host (``BASE_DOMAIN``): platform operators."""

from django.urls import path

from tenants.views import operator

from .urls_common import handler403, handler404, handler500
from .urls_common import urlpatterns as common

urlpatterns = [path("", operator.home, name="home"), *common]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
