"""ASGI entry point: HTTP through Django, WebSocket through Channels on the same tenant hosts."""

import os
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class OneTripASGIHandler(ASGIHandler):
    """Django's ASGI handler with the middleware and the view run in one trip to the request's thread.

    Every middleware and view here is synchronous. Django's own handler builds an asynchronous
    chain, so each request went to its thread for the middleware, back to the event loop for
    the URL resolution, and to the thread again for the view: three hand-overs instead of one.
    Here the chain is built as under WSGI and the whole of it runs in one ``sync_to_async``
    (thread-sensitive: the request's own thread, as Django gives it). An asynchronous
    middleware or view would still work, adapted by Django as under WSGI.
    """

    # Request threads waiting for a request; more than this many idle are let go.
    idle_threads_kept = 32

    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)

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
from live.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": BodyLimitMiddleware(django_asgi_app), "websocket": websocket_application}
)
