"""ASGI entry point: HTTP through Django, WebSocket through Channels on the same tenant hosts."""

import asyncio
import contextlib
import logging
import os
import weakref
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

logger = logging.getLogger(__name__)


async def _sent_as_is(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


class OneTripASGIHandler(ASGIHandler):
    """Django's ASGI handler with each request's synchronous work done in one trip to its thread.

    Every middleware and view here is synchronous. Django's own handler goes to the request's
    thread for the ``request_started`` receivers, again for the middleware and the view (more
    than once: its chain is built asynchronous), again to log an error answer and again to
    close the response after sending it. Here one trip does all of it: ``request_started`` is
    sent, the request built, the chain (built as under WSGI) run and, for an answer whose body
    is already written, the response closed (``request_finished``: the database connection goes
    back before the bytes go out). A streamed answer is closed after it is sent, as Django does.
    A client that goes away is sent nothing more; its request, once in its thread, is carried
    through and finished there. An asynchronous middleware or view would still work, adapted by
    Django as under WSGI.

    A process works on ``WEB_REQUESTS_AT_ONCE`` requests at once; the others wait their turn in
    the event loop, before their trip. More at once only share the same cores and interpreter
    lock, each going slower (and more transactions overlap in PostgreSQL). A request keeps its
    place until its thread is done, also when its client has gone; a synchronous stream (a
    file, a CSV list) is read within it. A request that finds no turn within
    ``WEB_REQUEST_WAIT`` is answered 503 with ``Retry-After``. The probes never wait.
    """

    # Request threads waiting for a request; more than this many idle are let go.
    idle_threads_kept = 32

    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []
        self._places: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # by event loop

    def _places_for(self, scope: dict) -> asyncio.Semaphore | None:
        """The process's ``WEB_REQUESTS_AT_ONCE`` places (those of the running event loop); None
        for the probes' paths, answered at once, before any tenant or database."""
        if scope["path"] in PROBE_PATHS:
            return None
        loop = asyncio.get_running_loop()
        places = self._places.get(loop)
        if places is None:
            places = self._places[loop] = asyncio.Semaphore(settings.WEB_REQUESTS_AT_ONCE)
        return places

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._answer_in_thread = sync_to_async(self._answer, thread_sensitive=True)

    def _answer(self, scope: dict, body_file: Any, made: list[HttpResponseBase]) -> HttpResponseBase:
        """All of a request's synchronous work, in its thread: started, built, answered and,
        unless its body is streamed, closed. The response is also left in ``made``."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
            if response.streaming and not response.is_async:
                # Django reads a synchronous stream whole, in this thread, when it sends it: read
                # here, within the request's place, and handed over as parts to send.
                response.streaming_content = _sent_as_is(list(response.streaming_content))
        made.append(response)
        if not response.streaming:
            try:
                response.close()
            except Exception:
                # A request_finished receiver failed. The answer is written (a work order may have
                # been recorded): it goes out all the same, as it would have before its close.
                logger.exception("Finishing the request for %s failed", scope.get("path", ""))
        return response

    @staticmethod
    def _abandoned(made: list[HttpResponseBase]) -> None:
        """A request whose client went away: a streamed answer made for it is closed (the other
        answers closed themselves; a request that never reached its thread started nothing)."""
        if made and made[0].streaming:
            made[0].close()

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        """Django's, for a caller other than ``handle``: the chain here is synchronous."""
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def handle(self, scope: dict, receive: Any, send: Any) -> None:
        """Django's ``handle`` (the client's going away watched while the request is served),
        with the synchronous work in one trip."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))

        made: list[HttpResponseBase] = []
        places = self._places_for(scope)
        holding: list[bool] = []  # a place is this request's until its thread is done with it

        def give_back() -> None:
            if holding:
                holding.clear()
                places.release()

        async def answer() -> HttpResponseBase | None:
            if places is not None:
                try:
                    async with asyncio.timeout(settings.WEB_REQUEST_WAIT):
                        await places.acquire()
                except TimeoutError:
                    await self._turned_away(scope, body_file, send)
                    return None
                holding.append(True)
            try:
                response = await self._answer_in_thread(scope, body_file, made)
            except asyncio.CancelledError:
                raise  # its thread may still be at work: the place is given back after it (below)
            except BaseException:
                give_back()
                raise
            give_back()
            with contextlib.suppress(asyncio.CancelledError):  # the client went away meanwhile
                await self.send_response(response, send)
            return response

        tasks = [
            # The listener first: it raises nothing unexpected that would keep the answer running.
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(answer()),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        try:
            response = tasks[1].result()
        except asyncio.CancelledError:
            # Gone before its answer: the thread may still be at work; this runs after it there.
            # (Gone while still waiting for a turn: nothing was started, no trip is needed.)
            if holding or made:
                try:
                    await sync_to_async(self._abandoned, thread_sensitive=True)(made)
                finally:
                    give_back()
        else:
            if response is not None and response.streaming:
                await sync_to_async(response.close, thread_sensitive=True)()
        body_file.close()

    async def _turned_away(self, scope: dict, body_file: Any, send: Any) -> None:
        """No turn came within ``WEB_REQUEST_WAIT``: answered 503 (Retry-After) from the event loop,
        without the request's thread or the database; logged, as a sign the pods are too few."""
        logger.warning(
            "%s %s waited %s s for a turn and was answered 503",
            scope.get("method", ""),
            scope.get("path", ""),
            settings.WEB_REQUEST_WAIT,
        )
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = busy(request)
        with contextlib.suppress(asyncio.CancelledError):  # the client went away meanwhile
            await self.send_response(response, send)

    async def __call__(self, scope, receive, send) -> None:
        """Django's entry point with the request's thread taken from those of finished requests.

        Django gives each request a thread of its own (a ``ThreadSensitiveContext``), started for
        it and stopped after it: all of its synchronous work runs there, one call at a time. Here
        the thread is one a finished request left, started only when none is idle, and still the
        request's alone while it lasts. Database connections belong to the thread (Django keeps
        them per thread) and are closed, or checked before reuse, when a request finishes and
        when the next one starts, as under Django's own handler."""
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(1, "request")
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < self.idle_threads_kept:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    def release_threads(self) -> None:
        """Lets the idle request threads go, each closing its database connections first (a server
        stopping in a running process, as the browser tests' does, leaves no session open)."""
        from django.db import connections

        idle, self._idle = self._idle, []
        for executor in idle:
            executor.submit(connections.close_all)
            executor.shutdown(wait=True)


django.setup(set_prefix=False)
django_asgi_app = OneTripASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.body_limit import BodyLimitMiddleware  # noqa: E402
from config.error_pages import busy  # noqa: E402
from config.middleware import PROBE_PATHS  # noqa: E402
from live.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": BodyLimitMiddleware(django_asgi_app), "websocket": websocket_application}
)
