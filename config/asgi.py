"""ASGI entry point: HTTP through Django, WebSocket through Channels on the same tenant hosts."""

import os

import django
from asgiref.sync import sync_to_async
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

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)


django.setup(set_prefix=False)
django_asgi_app = OneTripASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.body_limit import BodyLimitMiddleware  # noqa: E402
from live.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": BodyLimitMiddleware(django_asgi_app), "websocket": websocket_application}
)
