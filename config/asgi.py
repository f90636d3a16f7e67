"""ASGI entry point: HTTP through Django, WebSocket through Channels on the same tenant hosts."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.body_limit import BodyLimitMiddleware  # noqa: E402
from live.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": BodyLimitMiddleware(django_asgi_app), "websocket": websocket_application}
)
