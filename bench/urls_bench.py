"""The trivial endpoint measured on the public host and on a tenant host alike."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial)]
