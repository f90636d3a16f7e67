"""The hotline URLconf plus the trivial endpoints the API benchmark compares."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.base import ApiView
from config.urls_hotline import urlpatterns as base
from tenants.api.permissions import Declared


def plain(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


class Trivial(APIView):
    """DRF with nothing of its own: no authentication, permission or throttle."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class TrivialWithKey(ApiView):
    """The API's own stack: key authentication, permission check and the Redis rate limit."""

    permission_classes = [Declared]
    permission_actions = {"GET": "work_order.read"}

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("bench/plain", plain),
    path("bench/drf", Trivial.as_view()),
    path("bench/drf-key", TrivialWithKey.as_view()),
    *base,
]
