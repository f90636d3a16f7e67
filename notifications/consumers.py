"""Live updates over WebSocket: a client subscribes to what its role may watch.

Topics: ``board`` (a hotline's whole board; hotline staff), ``inbox`` (a dealer's
work orders across its networks; dealer staff), ``work_order`` (one work order;
the hotline that owns it, or the dealer it is routed to), ``notifications`` (the
person's own unread count, live). A client that
reconnects sends ``since``: the last position it saw per stream (a stream is a
manufacturer's hotline); it receives what it missed, then live events. Every
database read happens inside the tenant's schema within the synchronous
handler (Django connections are per thread).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.http import Http404
from django_tenants.utils import tenant_context

from dealers.gateway import DealerGateway
from hotline.models import WorkOrder
from hotline.relay import board_group, inbox_group, relayed_after, work_order_group
from tenants.models import TenantType
from tenants.selectors import membership_for

from .services import unread_count, user_group

logger = logging.getLogger(__name__)
MAX_FRAME = 4096
MEMBERSHIP_RECHECK_SECONDS = 30  # a membership revoked meanwhile ends the socket this soon


class Refused(Exception):
    """A subscription this connection may not have."""


class LiveConsumer(JsonWebsocketConsumer):
    def connect(self) -> None:
        self.tenant = self.scope["tenant"]
        self.membership = self.scope["membership"]
        self.joined: set[str] = set()
        self.checked_at = time.monotonic()
        self.accept()

    def _still_member(self) -> bool:
        """Re-check the membership now and then; a revoked one closes the socket (4404)."""
        if time.monotonic() - self.checked_at < MEMBERSHIP_RECHECK_SECONDS:
            return True
        self.checked_at = time.monotonic()
        if membership_for(self.scope["user"], self.tenant) is not None:
            return True
        logger.info("closing live socket of user %s on %s: no longer a member",
                    self.membership.user_id, self.tenant.slug)
        self.close(code=4404)
        return False

    def disconnect(self, code: int) -> None:
        for group in self.joined:
            try:
                async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)
            except Exception:  # Redis away: the membership expires there on its own
                logger.warning("could not leave %s on disconnect", group)

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """One bad frame gets an error frame; the connection stays open."""
        if not self._still_member():
            return
        if text_data is None or len(text_data) > MAX_FRAME:
            self.send_json({"type": "error", "error": "frame_too_large_or_binary"})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            self.send_json({"type": "error", "error": "not_json"})
            return
        if not isinstance(content, dict) or content.get("action") != "subscribe":
            logger.info("ignored live frame %r", text_data[:200])
            self.send_json({"type": "error", "error": "unknown_action"})
            return
        try:
            self.subscribe(content)
        except Refused as exc:
            logger.warning("refused live subscription %s for user %s on %s", exc,
                           self.membership.user_id, self.tenant.slug)
            self.send_json({"type": "error", "error": "refused", "topic": content.get("topic")})

    def subscribe(self, content: dict[str, Any]) -> None:
        topic = content.get("topic")
        since = content.get("since") or {}
        if not isinstance(since, dict) or not all(
                isinstance(v, int) for v in since.values()):
            raise Refused("bad since")
        since = {str(k): v for k, v in since.items()}
        if topic == "board" and self.tenant.type == TenantType.HOTLINE:
            group = board_group(self.tenant.pk)

            def missed() -> list[dict] | None:
                return self._hotline_missed(since)
        elif topic == "inbox" and self.tenant.type == TenantType.DEALER:
            group = inbox_group(self.tenant.pk)

            def missed() -> list[dict] | None:
                return DealerGateway(self.tenant).relayed_since(since)
        elif topic == "work_order":
            group, missed = self._work_order(content, since)
        elif topic == "notifications":
            group = user_group(self.tenant.pk, self.membership.user_id)

            def missed() -> list[dict] | None:
                with tenant_context(self.tenant):
                    unread = unread_count(self.membership.user_id)
                self.send_json({"type": "notification", "unread": unread})
                return []
        else:
            raise Refused(f"topic {topic!r}")
        # Join first, then read what was missed: an event relayed in between arrives twice
        # at worst (the client drops ids it has seen), never not at all.
        async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        self.joined.add(group)
        missed = missed()
        if missed is None:
            self.send_json({"type": "resync", "topic": topic})
        else:
            for message in missed:
                self.live_event(message)
        self.send_json({"type": "subscribed", "topic": topic})

    def _hotline_missed(self, since: dict[str, int],
                        work_order_id: int | None = None) -> list[dict] | None:
        stream = str(self.tenant.pk)
        if stream not in since:
            return []
        filters = {} if work_order_id is None else {"event__work_order_id": work_order_id}
        with tenant_context(self.tenant):
            return relayed_after(since[stream], hotline_id=self.tenant.pk,
                                 manufacturer_code=self.tenant.manufacturer.code,
                                 for_dealer=False, **filters)

    def _work_order(self, content: dict[str, Any], since: dict[str, int]) -> tuple[str, Any]:
        number, code = str(content.get("number") or ""), str(content.get("manufacturer") or "")
        if self.tenant.type == TenantType.HOTLINE:
            with tenant_context(self.tenant):
                work_order_id = (WorkOrder.objects.filter(number=number)
                                 .values_list("pk", flat=True).first())
            if work_order_id is None:
                raise Refused("unknown work order")
            return (work_order_group(self.tenant.pk, work_order_id, "hotline"),
                    lambda: self._hotline_missed(since, work_order_id))
        if self.tenant.type == TenantType.DEALER:
            gateway = DealerGateway(self.tenant)
            try:
                with tenant_context(self.tenant):
                    view = gateway.work_order(code, number)
            except Http404 as exc:
                raise Refused("work order not routed here") from exc
            return (work_order_group(view.manufacturer.hotline_id, view.work_order.pk,
                                     self.tenant.pk),
                    lambda: gateway.relayed_since(since, manufacturer_code=code, number=number))
        raise Refused("no work orders on this host")

    def live_notification(self, message: dict[str, Any]) -> None:
        if self._still_member():
            self.send_json({"type": "notification", "unread": message["unread"]})

    def live_event(self, message: dict[str, Any]) -> None:
        if not self._still_member():
            return
        self.send_json({k: v for k, v in message.items() if k != "type"} | {"type": "event"})
