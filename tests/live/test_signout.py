"""Signing out, or a session ending, closes that session's open live sockets within seconds."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from django.db import connections
from django.test import Client as Browser

from .test_consumers import Client, live  # noqa: F401 (the fixture)


def sign_out(live, who: str) -> None:  # noqa: F811
    """The person presses "Sign out" in the browser that holds the socket's session."""
    try:
        browser = Browser(HTTP_HOST=live["hosts"][who])
        name, value = live["cookies"][who].split("=", 1)
        browser.cookies[name] = value
        assert browser.post("/logout/").status_code == 302
    finally:
        connections.close_all()


def test_signing_out_closes_that_sessions_socket_at_once(live, settings):  # noqa: F811
    settings.LIVE_SWEEP_SECONDS = 60  # no sweep in time: the sign-out itself closes it

    async def scenario() -> tuple[dict, bool]:
        inbox, other = Client(live, "junda"), Client(live, "pengcheng")
        for client in (inbox, other):
            await client.open()
            await client.send({"action": "subscribe", "topic": "inbox"})
            await client.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, sign_out, live, "junda")
        closing = await inbox.communicator.receive_output(timeout=3)
        other_open = await other.communicator.receive_nothing(timeout=1)
        await other.communicator.disconnect()
        return closing, other_open

    closing, other_open = async_to_sync(scenario)()

    assert closing == {"type": "websocket.close", "code": 4404}
    assert other_open  # another person's session keeps its socket


def test_an_idle_session_closes_its_socket_within_the_sweep(live, settings):  # noqa: F811
    settings.LIVE_SWEEP_SECONDS = 0.5

    async def scenario() -> dict:
        inbox = Client(live, "junda")
        await inbox.open()
        await inbox.send({"action": "subscribe", "topic": "inbox"})
        await inbox.frames_until("subscribed")
        settings.SESSION_IDLE_SECONDS = 0  # the session has now been idle too long
        return await inbox.communicator.receive_output(timeout=5)

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": 4404}


def test_a_new_password_closes_the_sockets_of_the_older_sessions_within_the_sweep(live, settings):  # noqa: F811
    """The sweep reads the sessions again each time: a password changed elsewhere (in another
    browser, by an administrator) ends this session's socket even after earlier sweeps found
    it alive; another person's socket stays open."""
    from tenants.models import User

    settings.LIVE_SWEEP_SECONDS = 0.5

    def change_password() -> None:
        try:
            user = User.objects.get(username="junda.crm")
            user.set_password("Another-2026-pass")
            user.save()
        finally:
            connections.close_all()

    async def scenario() -> tuple[bool, dict, bool]:
        inbox, other = Client(live, "junda"), Client(live, "pengcheng")
        for client in (inbox, other):
            await client.open()
            await client.send({"action": "subscribe", "topic": "inbox"})
            await client.frames_until("subscribed")
        kept = await inbox.communicator.receive_nothing(timeout=1.5)  # swept alive, at least twice
        await asyncio.get_running_loop().run_in_executor(None, change_password)
        closing = await inbox.communicator.receive_output(timeout=5)
        other_open = await other.communicator.receive_nothing(timeout=1)
        await other.communicator.disconnect()
        return kept, closing, other_open

    kept, closing, other_open = async_to_sync(scenario)()

    assert kept
    assert closing == {"type": "websocket.close", "code": 4404}
    assert other_open
