"""A hotline URLconf for tests/config/test_asgi.py: views that report the thread they run in."""

from __future__ import annotations

import threading

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.utils import translation

# Two requests meet here only if the server runs them side by side.
meeting = threading.Barrier(2, timeout=10)


def thread_of(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"view": threading.get_ident(), "started": getattr(request, "started_in", None)})


def meet(request: HttpRequest) -> JsonResponse:
    meeting.wait()
    return JsonResponse({"view": threading.get_ident()})


def state(request: HttpRequest) -> JsonResponse:
    """The thread (by name: an ended thread's number can be given to a new one) and the language
    the request is answered in."""
    return JsonResponse({"thread": threading.current_thread().name, "language": translation.get_language()})


async def _parts():
    for part in (b"one,", b"two,", b"three"):
        yield part


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(_parts())


# Set by the test once its client has gone: the view is still at work until then.
client_gone = threading.Event()


slow_views: list[int] = []  # the threads the slow view ran in


def slow(request: HttpRequest) -> JsonResponse:
    client_gone.wait(timeout=10)
    slow_views.append(threading.get_ident())
    return JsonResponse({"view": threading.get_ident()})


urlpatterns = [
    path("thread/", thread_of),
    path("meet/", meet),
    path("state/", state),
    path("streamed/", streamed),
    path("slow/", slow),
]
