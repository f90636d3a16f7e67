"""A hotline URLconf for tests/config/test_asgi.py: views that report the thread they run in."""

from __future__ import annotations

import threading
import time

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


# The slow views tell the test they have begun, then wait until its client has gone.
view_began = threading.Event()
client_gone = threading.Event()
slow_views: list[int] = []  # the threads the slow views ran in
slow_ends: list[float] = []  # when each ended


def slow(request: HttpRequest) -> JsonResponse:
    view_began.set()
    client_gone.wait(timeout=10)
    slow_views.append(threading.get_ident())
    slow_ends.append(time.monotonic())
    return JsonResponse({"view": threading.get_ident()})


class _Closable:
    """Parts to stream that note when Django closes them (as it closes a file it streamed)."""

    closed: list[bool] = []

    def __init__(self) -> None:
        self.parts = _parts()

    def __aiter__(self):
        return self.parts

    def close(self) -> None:
        self.closed.append(True)


def slow_streamed(request: HttpRequest) -> StreamingHttpResponse:
    slow(request)
    return StreamingHttpResponse(_Closable())


held: list[tuple[float, float]] = []  # when each /hold/ view began and ended


def hold(request: HttpRequest) -> JsonResponse:
    began = time.monotonic()
    time.sleep(0.3)
    held.append((began, time.monotonic()))
    return JsonResponse({"view": threading.get_ident()})


def _held_parts():
    began = time.monotonic()
    time.sleep(0.3)
    yield b"made slowly"
    held.append((began, time.monotonic()))


def hold_streamed(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(_held_parts())  # a synchronous stream


urlpatterns = [
    path("thread/", thread_of),
    path("meet/", meet),
    path("state/", state),
    path("streamed/", streamed),
    path("slow/", slow),
    path("slow-streamed/", slow_streamed),
    path("hold/", hold),
    path("hold-streamed/", hold_streamed),
]
