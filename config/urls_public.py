"""The public host (``BASE_DOMAIN``): platform operators."""

from django.urls import path

from tenants.views import operator, people

from .urls_common import handler403, handler404, handler500
from .urls_common import urlpatterns as common

urlpatterns = [
    path("", operator.home, name="home"),
    path("dealers/", operator.dealers, name="operator-dealers"),
    path("audit/", people.audit_log, name="operator-audit"),
    *common,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
