"""Signing out closes that session's open live sockets at once.

Django sends ``user_logged_out`` while the session still has its key; each
socket opened with the session joined the session's group
(``live.audiences.session_group``), so one message closes them all. Should
Redis be away, the sweep (``live.consumers``) finds the session gone within
``LIVE_SWEEP_SECONDS``.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .audiences import session_group

logger = logging.getLogger(__name__)


def close_session_sockets(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key:
        return
    try:
        async_to_sync(get_channel_layer().group_send)(session_group(session_key), {"type": "live.revoked"})
    except Exception:  # Redis away: the sweep closes them
        logger.warning("could not tell the live sockets of a signed-out session", exc_info=True)
